using System.Diagnostics;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tests.Cli;
using POSLayerFreeze.Tests.Experiments;

namespace POSLayerFreeze.Tests.Hostile;

/// <summary>Issue 29 point 10, continued: the summary phase and a signal, windows beyond the model, Slurm's array
/// limit, and a model identity refusal that shows where the identities differ.</summary>
public class Point10MoreTests
{
    [Test]
    public void A_signal_during_the_summary_phase_stops_at_once_with_130()
    {
        var dir = TinyWorld.TempDir("hostile-summary");
        using var run = new HostileProcess(Poslf.StartInfoWithSigint("default",
            ["run", "--configs", "baseline", "--model", TinyWorld.ModelDir, "--data-dir", TinyWorld.DataDir, "--train-sentences", "8", "--out", dir]));
        Assert.That(HostileProcess.WaitUntil(() => run.Stdout.Any(l => l.StartsWith("sweep finished", StringComparison.Ordinal)) || run.Process.HasExited,
            TimeSpan.FromSeconds(240)), Is.True, "the sweep finishes");
        // The figures take seconds; a machine fast enough to finish them before the signal lands proves nothing here.
        Assume.That(run.Process.HasExited || run.Stdout.Any(l => l.StartsWith("summary:", StringComparison.Ordinal)), Is.False, "still writing the summary");
        var clock = Stopwatch.StartNew();
        Assert.That(ProcessLifetime.Interrupt(run.Process.Id), Is.True);
        Assert.That(run.Exited(TimeSpan.FromSeconds(30)), Is.True);
        Assert.That(run.Process.ExitCode, Is.EqualTo(130), run.All);
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "promptly, not when the figures are done");
        Assert.That(run.Stderr, Has.One.StartsWith("poslf: interrupted"), run.All);
        // The finished run is kept; poslf report rebuilds what the summary phase did not write.
        Assert.That(ResultsFolder.Inspect(dir).Runs, Has.Count.EqualTo(1));
    }

    [Test]
    public void A_max_length_beyond_the_models_positions_is_refused_naming_max_position_embeddings()
    {
        var result = Poslf.Run("run", "--configs", "baseline", "--model", TinyWorld.ModelDir, "--data-dir", TinyWorld.DataDir,
            "--max-length", "100000", "--out", TinyWorld.TempDir("hostile-maxlen"));
        Poslf.AssertError(result, 2, "100000", "max_position_embeddings 64", "--max-length");
        // At the limit it is the model's own window, and accepted (checked without training: profile show).
        Assert.That(Poslf.Run("profile", "show", "smoke", "--max-length", "64").ExitCode, Is.Zero);
    }

    [Test]
    public void Slurm_submit_warns_when_the_array_exceeds_Slurms_default_MaxArraySize()
    {
        var outDir = TinyWorld.TempDir("hostile-slurm");
        string[] sweep = ["--configs", "baseline", "--model", TinyWorld.ModelDir, "--data-dir", TinyWorld.DataDir, "--out", outDir];
        var seeds = string.Join(',', Enumerable.Range(0, 1002));
        var big = Poslf.Run(null, ["slurm", "submit", .. sweep, "--seeds", seeds, "--dry-run"]);
        Assert.That(big.ExitCode, Is.Zero, big.Stderr);
        Assert.That(big.Stdout, Does.Contain("#SBATCH --array=0-1001\n"));
        Assert.That(big.Stderr, Does.Contain("poslf: warning: an array of 1002 tasks").And.Contain("MaxArraySize of 1001").And.Contain("--shards"));

        var fits = Poslf.Run(null, ["slurm", "submit", .. sweep, "--seeds", seeds, "--shards", "1001", "--dry-run"]);
        Assert.That(fits.ExitCode, Is.Zero, fits.Stderr);
        Assert.That(fits.Stderr, Does.Not.Contain("MaxArraySize"));
    }

    [Test]
    public void A_changed_model_is_refused_showing_where_the_identities_differ()
    {
        const string Had = "tiny-bert-model@sha256:0123456789abcdef+vocab:1111111111111111+config:2222222222222222";
        const string Wants = "tiny-bert-model@sha256:0123456789abcdef+vocab:9999999999999999+config:2222222222222222";
        var dir = TinyWorld.TempDir("hostile-identity");
        var (correct, words) = SyntheticRuns.Uniform(8);
        SyntheticRuns.Write(dir, "baseline", 42, correct, words);
        SyntheticRuns.Write(dir, "all", 42, correct, words);
        SetModelIdentity(Path.Combine(dir, "baseline", "seed-42"), Had);
        SetModelIdentity(Path.Combine(dir, "all", "seed-42"), Wants);
        var refusal = Poslf.Run("report", dir);
        Poslf.AssertError(refusal, 1, "inputs.model_identity", "vocab:1111", "vocab:9999");
        Assert.That(RunInputs.Around("short", "other"), Is.EqualTo(("short", "other")), "short values are shown whole");
    }

    // The identity as a real run records it (name and three content hashes), with the inputs hash to match.
    private static void SetModelIdentity(string runDir, string identity)
    {
        var path = Path.Combine(runDir, RunExecutor.MetricsFile);
        var metrics = (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
        var inputs = metrics["inputs"]!.AsObject();
        inputs["model_identity"] = identity;
        metrics["inputs_hash"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Invariant.ToJson(inputs))));
        File.WriteAllText(path, Invariant.ToJson(metrics));
    }
}
