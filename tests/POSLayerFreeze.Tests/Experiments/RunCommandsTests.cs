using System.Text.Json.Nodes;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Reporting;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tests.Cli;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Tests.Experiments;

/// <summary>poslf report / merge / run --shard through the built CLI (dotnet poslf.dll).</summary>
public class RunCommandsTests
{
    [Test]
    public void Report_rebuilds_summary_files_from_run_folders()
    {
        var dir = TinyWorld.TempDir("cli-report");
        var (baseline, words) = SyntheticRuns.Uniform(8);
        SyntheticRuns.Write(dir, "baseline", 42, baseline, words);
        SyntheticRuns.Write(dir, "slpf-1", 42, SyntheticRuns.Uniform(9).Correct, words);
        var (code, stdout, stderr) = Poslf.Run("report", dir);
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stdout, Does.Contain("slpf-1"));
        Assert.That(JsonNode.Parse(File.ReadAllText(Path.Combine(dir, Summary.JsonFile)))!["runs"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(File.ReadAllText(Path.Combine(dir, Summary.MarkdownFile)), Does.Contain("| slpf-1 |"));
        Assert.That(File.Exists(Path.Combine(dir, Summary.FigureFile)), Is.True);

        var empty = Poslf.Run("report", TinyWorld.TempDir("cli-empty"));
        Assert.That(empty.ExitCode, Is.Not.EqualTo(0));
        Assert.That(empty.Stdout + empty.Stderr, Does.Contain("no finished runs"));
    }

    [Test]
    public void Merge_combines_shard_folders_and_rejects_conflicts()
    {
        var (correct, words) = SyntheticRuns.Uniform(8);
        var a = TinyWorld.TempDir("cli-a");
        var b = TinyWorld.TempDir("cli-b");
        SyntheticRuns.Write(a, "baseline", 42, correct, words);
        SyntheticRuns.Write(b, "all", 42, SyntheticRuns.Uniform(3).Correct, words);
        var outDir = Path.Combine(TinyWorld.TempDir("cli-merge"), "merged");
        var (code, stdout, stderr) = Poslf.Run("merge", a, b, "--out", outDir);
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stdout, Does.Contain("merged 2 run(s)"));
        foreach (var file in new[] { "baseline/seed-42/metrics.json", "all/seed-42/test.sentences.json", Summary.JsonFile, Summary.MarkdownFile, Summary.FigureFile })
            Assert.That(File.Exists(Path.Combine(outDir, file)), Is.True, file);

        SyntheticRuns.Write(b, "baseline", 42, correct, words, variant: "cccccccccccccccccccc");
        var conflict = Poslf.Run("merge", a, b, "--out", Path.Combine(TinyWorld.TempDir("cli-merge"), "merged"));
        Assert.That(conflict.ExitCode, Is.Not.EqualTo(0));
        Assert.That(conflict.Stdout + conflict.Stderr, Does.Contain("different inputs"));

        var noOut = Poslf.Run("merge", a);
        Assert.That(noOut.ExitCode, Is.Not.EqualTo(0), "--out is required");
    }

    [Test]
    public void Run_with_eval_each_epoch_and_logging_steps_logs_every_epoch_and_step_and_draws_the_curves()
    {
        var dir = TinyWorld.TempDir("cli-curves");
        var profile = Path.Combine(dir, "tiny.json");
        File.WriteAllText(profile, Invariant.ToJson(ProfileFile.ToFileJson(TinyWorld.Profile)));
        var outDir = Path.Combine(dir, "out");
        var (code, stdout, stderr) = Poslf.Run("run", "--configs", "all", "--model", TinyWorld.ModelDir, "--data-dir", TinyWorld.DataDir,
            "--profile", profile, "--epochs", "2", "--eval-each-epoch", "--logging-steps", "1", "--out", outDir);
        Assert.That(code, Is.EqualTo(0), stdout + stderr);
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "all", "seed-42", RunExecutor.MetricsFile)))!;
        var history = metrics["log_history"]!.AsArray();
        Assert.Multiple(() =>
        {
            Assert.That(metrics["profile"]!["name"]!.GetValue<string>(), Is.EqualTo("test+epochs=2+eval=epoch+log=1"));
            Assert.That(history.Count(e => e!["loss"] is not null), Is.EqualTo(metrics["train"]!["steps"]!.GetValue<int>()), "a loss entry per step");
            Assert.That(history.Where(e => e!["eval_accuracy"] is not null).Select(e => e!["epoch"]!.GetValue<double>()), Is.EqualTo(new[] { 1.0, 2.0 }));
            Assert.That(File.Exists(Path.Combine(outDir, Figures.CurvesFile)), Is.True);
            Assert.That(stdout, Does.Contain(Figures.CurvesFile), "the figures are listed");
        });
    }

    [Test]
    public void Run_rejects_an_impossible_shard_before_training()
    {
        var outDir = TinyWorld.TempDir("cli-shard");
        var (code, stdout, stderr) = Poslf.Run("run", "--configs", "baseline", "--model", TinyWorld.ModelDir, "--data-dir", TinyWorld.DataDir,
            "--out", outDir, "--shard", "3/2");
        Assert.That(code, Is.Not.EqualTo(0));
        Assert.That(stdout + stderr, Does.Contain("'3/2' is not a shard").And.Contain("0 ≤ i < n").And.Contain("(--shard)"));
        Assert.That(Directory.EnumerateFileSystemEntries(outDir), Is.Empty, "nothing was run");
    }
}
