using POSLayerFreeze.Cli;
using System.Diagnostics;
using POSLayerFreeze.Cluster;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tests.Experiments;

namespace POSLayerFreeze.Tests.Cluster;

/// <summary>
/// The sbatch scripts, read as Slurm reads them (#SBATCH lines) and run as bash runs them: with printf standing
/// in for poslf, a script's output is exactly the argument list poslf would get.
/// </summary>
public class SlurmJobsTests
{
    // printf prints each argument on its own line: the words bash really passed, after quoting and expansion.
    private static readonly string[] EchoPoslf = ["/usr/bin/printf", "%s\\n"];

    // The commands as the CLI words them (ShardArguments); the scripts must hand them to bash word for word.
    private static SlurmJobs Jobs(string outDir, params string[] runArguments) =>
        new([.. EchoPoslf, "run", .. runArguments.Length > 0 ? runArguments : ["--suite", "study", "--seeds", "42,43"], "--shard", "slurm", "--no-summary", "--out"],
            (shards, merged) => [.. EchoPoslf, "merge", .. shards, "--out", merged], 4, outDir, "/tmp");

    private static string[] Directives(string script) =>
        script.Split('\n').Where(l => l.StartsWith("#SBATCH ", StringComparison.Ordinal)).Select(l => l["#SBATCH ".Length..]).ToArray();

    private static (int ExitCode, string[] Lines, string Stderr) RunScript(string script, params (string Name, string Value)[] environment)
    {
        var path = Path.Combine(TinyWorld.TempDir("sbatch-script"), "job.sh");
        File.WriteAllText(path, script);
        var psi = new ProcessStartInfo("bash", [path]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment) psi.Environment[name] = value;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries), stderr.Result);
    }

    private static (string, string)[] ArrayTask(int id, int count = 4) =>
    [
        ("SLURM_ARRAY_JOB_ID", "77"), ("SLURM_ARRAY_TASK_ID", $"{id}"), ("SLURM_ARRAY_TASK_MIN", "0"), ("SLURM_ARRAY_TASK_COUNT", $"{count}"),
    ];

    [Test]
    public void The_array_script_has_one_task_per_shard_K_at_once_per_task_logs_and_the_cluster_options()
    {
        var jobs = Jobs("/data/study") with { Partition = "gpu", Gres = "gpu:1", Time = "02:00:00", MaxParallel = 3, CpusPerTask = 8, ExtraSbatch = ["--account=lab"] };
        Assert.That(Directives(jobs.SweepScript()), Is.EqualTo(new[]
        {
            "--job-name=poslf-sweep", "--array=0-3%3", "--chdir=/tmp", "--output=/data/study/logs/sweep-%A_%a.out", "--open-mode=append",
            "--requeue", "--partition=gpu", "--gres=gpu:1", "--time=02:00:00", "--cpus-per-task=8", "--account=lab",
        }));
        // Without cluster options: no partition, no GPU, no throttle — the site's defaults apply.
        Assert.That(Directives(Jobs("/data/study").SweepScript()), Is.EqualTo(new[]
        {
            "--job-name=poslf-sweep", "--array=0-3", "--chdir=/tmp", "--output=/data/study/logs/sweep-%A_%a.out", "--open-mode=append", "--requeue",
        }));
    }

    [Test]
    public void Task_i_runs_its_command_into_its_own_shard_folder_with_every_word_unchanged()
    {
        var outDir = TinyWorld.TempDir("slurm-jobs");
        // A path with a space and a quote, and a value with $: quoting must hand them over literally.
        var jobs = Jobs(outDir, "--configs", "baseline,all", "--model", "/models/my model's dir", "--data-dir", "$HOME/ewt");
        var (code, lines, stderr) = RunScript(jobs.SweepScript(), ArrayTask(2));
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(lines[0], Does.StartWith("poslf sweep: array job 77 task 2 of 4 on "));
        Assert.That(lines[1..], Is.EqualTo(new[]
        {
            "run", "--configs", "baseline,all", "--model", "/models/my model's dir", "--data-dir", "$HOME/ewt",
            "--shard", "slurm", "--no-summary", "--out", outDir + "/shards/shard-2",
        }));
    }

    [Test]
    public void The_array_script_refuses_to_run_as_part_of_an_array()
    {
        // `sbatch --array=2 sweep.sbatch` would make task 2 the only task: shard 0/1, the whole sweep, in shard-2.
        var (code, lines, stderr) = RunScript(Jobs("/data/study").SweepScript(),
            ("SLURM_ARRAY_JOB_ID", "9"), ("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_MIN", "2"), ("SLURM_ARRAY_TASK_COUNT", "1"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(lines, Is.Empty, "poslf never started");
        Assert.That(stderr, Does.StartWith("poslf: error: this script is an array of 4 tasks (--array=0-3)").And.Contain("scontrol requeue"));
    }

    [Test]
    public void The_merge_script_merges_every_shard_folder_into_merged()
    {
        var jobs = Jobs("/data/study") with { Partition = "gpu", Gres = "gpu:1" };
        Assert.That(Directives(jobs.MergeScript()), Does.Contain("--output=/data/study/logs/merge-%j.out").And.Contain("--partition=gpu")
            .And.Not.Contain("--gres=gpu:1"), "the merge alone needs no GPU");
        var (code, lines, stderr) = RunScript(jobs.MergeScript(), ("SLURM_JOB_ID", "78"));
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(lines[1..^1], Is.EqualTo(new[]
        {
            "merge", "/data/study/shards/shard-0", "/data/study/shards/shard-1", "/data/study/shards/shard-2", "/data/study/shards/shard-3",
            "--out", "/data/study/merged",
        }));
        Assert.That(lines[^1], Is.EqualTo("poslf merge: results in /data/study/merged"));
    }

    [Test]
    public void With_specs_the_merge_job_runs_them_on_the_merged_runs_where_the_runs_were_made()
    {
        var jobs = Jobs("/data/study") with
        {
            Gres = "gpu:1", Specs = new SpecsCheck("/usr/bin/printf", "/clone/specs/POSLayerFreeze.Specs", "full", "cuda", "minilm", "/data/ewt"),
        };
        Assert.That(Directives(jobs.MergeScript()), Does.Contain("--gres=gpu:1"));
        var script = jobs.MergeScript().Replace("/usr/bin/printf test", "/usr/bin/printf '%s\\n' test", StringComparison.Ordinal)
            + "echo \"$POSLF_PROFILE $POSLF_DEVICE $POSLF_MODEL $POSLF_RUNS_DIR $POSLF_DATA_DIR\"\n";
        var (code, lines, stderr) = RunScript(script, ("SLURM_JOB_ID", "78"));
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(lines, Is.SupersetOf(new[] { "test", "/clone/specs/POSLayerFreeze.Specs", "-c", "Release", "--no-build", "--filter", "Category=Full" }));
        Assert.That(lines[^1], Is.EqualTo("full cuda minilm /data/study/merged /data/ewt"));
    }

    [Test]
    public void The_merge_waits_for_every_task_to_succeed_and_is_cancelled_if_one_cannot()
    {
        var jobs = Jobs("/data/study");
        Assert.That(jobs.SweepSubmitArguments(), Is.EqualTo(new[] { "--parsable", "/data/study/slurm/sweep.sbatch" }));
        Assert.That(jobs.MergeSubmitArguments("123"),
            Is.EqualTo(new[] { "--parsable", "--dependency=afterok:123", "--kill-on-invalid-dep=yes", "/data/study/slurm/merge.sbatch" }));
    }

    [TestCase("--time", "1:2:3:4")]
    [TestCase("--time", "2 hours")]
    [TestCase("--gres", "gpu:1\n#SBATCH --x")]
    [TestCase("--gres", "gpu 1")]
    [TestCase("--partition", "gpu;rm")]
    public void Malformed_cluster_options_are_refused_naming_the_option(string option, string value)
    {
        var jobs = Jobs("/data/study");
        TestDelegate set = option switch
        {
            "--time" => () => _ = jobs with { Time = value },
            "--gres" => () => _ = jobs with { Gres = value },
            _ => () => _ = jobs with { Partition = value },
        };
        Assert.That(set, Throws.TypeOf<InvalidFieldException>().With.Property(nameof(InvalidFieldException.Fields)).EqualTo(new[] { option.TrimStart('-') }));
        Assert.That(FieldFlags.Describe(Assert.Catch<InvalidFieldException>(set)!), Does.EndWith($"({option})"), "poslf names the option");
    }

    [TestCase("90")]
    [TestCase("30:00")]
    [TestCase("02:00:00")]
    [TestCase("1-12")]
    [TestCase("1-12:30:00")]
    [TestCase("UNLIMITED")]
    public void Slurm_time_formats_are_accepted(string time) => Assert.That((Jobs("/data/study") with { Time = time }).Time, Is.EqualTo(time));

    [Test]
    public void Unusable_values_are_refused_naming_the_field()
    {
        static NUnit.Framework.Constraints.Constraint Names(string field) => Throws.TypeOf<InvalidFieldException>().With.Property(nameof(InvalidFieldException.Fields)).EqualTo(new[] { field });
        Assert.That(() => new SlurmJobs(EchoPoslf, (_, _) => EchoPoslf, 0, "/d", "/tmp"), Names("shards"));
        Assert.That(() => Jobs("/my results"), Names("out").And.Message.Contains("#SBATCH"));
        Assert.That(() => Jobs("/d/100%"), Names("out"));
        Assert.That(() => new SlurmJobs(EchoPoslf, (_, _) => EchoPoslf, 1, "/d", "/my work"), Names("working_directory"));
        Assert.That(() => Jobs("/d") with { MaxParallel = 0 }, Names("max_parallel"));
        Assert.That(() => Jobs("/d") with { CpusPerTask = 0 }, Names("cpus_per_task"));
        Assert.That(() => Jobs("/d") with { ExtraSbatch = ["account=lab"] }, Names("sbatch"));
        Assert.That(() => Jobs("/d") with { ExtraSbatch = ["--comment=a b"] }, Names("sbatch"));
    }

    [TestCase("plain")]
    [TestCase("with space")]
    [TestCase("it's")]
    [TestCase("$HOME")]
    [TestCase("`id`")]
    [TestCase("a\"b\\c")]
    [TestCase("")]
    [TestCase("*")]
    public void Quote_hands_any_word_to_bash_literally(string word)
    {
        var (code, lines, stderr) = RunScript($"printf '<%s>\\n' {SlurmJobs.Quote(word)}\n");
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(lines, Is.EqualTo(new[] { $"<{word}>" }));
    }
}
