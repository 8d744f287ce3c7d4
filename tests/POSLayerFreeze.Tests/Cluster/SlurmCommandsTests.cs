using POSLayerFreeze.Tests.Cli;
using POSLayerFreeze.Tests.Experiments;

namespace POSLayerFreeze.Tests.Cluster;

/// <summary><c>poslf slurm submit</c> and <c>poslf run --shard slurm</c> through the built CLI (dotnet poslf.dll).</summary>
public class SlurmCommandsTests
{
    private static string PoslfDll => Path.Combine(AppContext.BaseDirectory, "poslf.dll");

    private static string[] Sweep(string outDir, string seeds = "42,43") =>
        ["--configs", "baseline,all", "--seeds", seeds, "--model", TinyWorld.ModelDir, "--data-dir", TinyWorld.DataDir, "--out", outDir];

    [Test]
    public void Dry_run_prints_both_scripts_one_task_per_run_by_default_and_writes_nothing()
    {
        var outDir = Path.Combine(TinyWorld.TempDir("cli-slurm"), "study");
        var (code, stdout, stderr) = Poslf.Run(null, ["slurm", "submit", .. Sweep(outDir), "--max-parallel", "2", "--partition", "debug", "--dry-run"]);
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stdout, Does.Contain("#SBATCH --array=0-3%2\n"), "2 configs × 2 seeds = 4 tasks");
        Assert.That(stdout, Does.Contain("#SBATCH --partition=debug\n"));
        // Tasks run this very build by absolute path (no rebuild, no dotnet run), with every run option passed on.
        Assert.That(stdout, Does.Contain($" {PoslfDll} run --configs baseline,all --seeds 42,43 --model {TinyWorld.ModelDir} --data-dir {TinyWorld.DataDir} --shard slurm --no-summary --out {outDir}/shards/shard-\"${{SLURM_ARRAY_TASK_ID}}\"\n"));
        Assert.That(stdout, Does.Contain($" {PoslfDll} merge {outDir}/shards/shard-0 {outDir}/shards/shard-1 {outDir}/shards/shard-2 {outDir}/shards/shard-3 --out {outDir}/merged\n"));
        Assert.That(stdout, Does.Contain("--dependency=afterok:"));
        Assert.That(Directory.Exists(outDir), Is.False, "a dry run writes nothing");
    }

    [Test]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")] // Slurm, like poslf, is Linux-only
    public void Submit_writes_the_scripts_submits_the_array_then_the_merge_and_prints_ids_and_places()
    {
        var root = TinyWorld.TempDir("cli-slurm");
        var bin = Directory.CreateDirectory(Path.Combine(root, "bin")).FullName;
        var record = Path.Combine(root, "sbatch-calls.txt");
        // A stand-in sbatch: records its arguments, answers as `sbatch --parsable` does (ids 700, 701).
        var fake = Path.Combine(bin, "sbatch");
        File.WriteAllText(fake, $"#!/bin/bash\necho \"$*\" >> {record}\necho $((700 + $(wc -l < {record}) - 1))\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var outDir = Path.Combine(root, "study");
        var env = new Dictionary<string, string> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") };
        var (code, stdout, stderr) = Poslf.Run(env, ["slurm", "submit", .. Sweep(outDir), "--shards", "2", "--time", "30"]);
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stdout, Does.Contain("array job: 700 (2 task(s))").And.Contain("merge job: 701"));
        Assert.That(stdout, Does.Contain($"{outDir}/logs/sweep-700_<task>.out").And.Contain($"{outDir}/merged/"));
        Assert.That(File.ReadAllLines(record), Is.EqualTo(new[]
        {
            $"--parsable {outDir}/slurm/sweep.sbatch",
            $"--parsable --dependency=afterok:700 --kill-on-invalid-dep=yes {outDir}/slurm/merge.sbatch",
        }));
        Assert.That(File.ReadAllText(Path.Combine(outDir, "slurm", "sweep.sbatch")), Does.Contain("#SBATCH --array=0-1\n").And.Contain("#SBATCH --time=30\n"));
        Assert.That(Directory.Exists(Path.Combine(outDir, "logs")), Is.True);
    }

    [Test]
    public void Submission_mistakes_are_one_line_errors_naming_the_option_with_exit_2()
    {
        var outDir = Path.Combine(TinyWorld.TempDir("cli-slurm"), "study");
        foreach (var (extra, expected) in new (string[], string)[]
        {
            (["--shards", "5"], "(--shards)"),
            (["--shard", "0/2"], "(--shard)"),
            (["--parallel", "2"], "(--parallel)"),
            (["--no-summary"], "(--no-summary)"),
            (["--gres", "gpu 1"], "(--gres)"),
            (["--max-parallel", "0"], "(--max-parallel)"),
            (["--specs"], "(--specs)"),
            (["--no-such-option"], "'--no-such-option'"),
        })
        {
            var (code, stdout, stderr) = Poslf.Run(null, ["slurm", "submit", .. Sweep(outDir), .. extra, "--dry-run"]);
            Assert.That(code, Is.EqualTo(2), $"{string.Join(' ', extra)}: {stdout}{stderr}");
            Assert.That(stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1), string.Join(' ', extra));
            Assert.That(stderr, Does.StartWith("poslf: error: ").And.Contain(expected), string.Join(' ', extra));
        }
        var badSeed = Poslf.Run(null, ["slurm", "submit", .. Sweep(outDir, seeds: "42,4x"), "--dry-run"]);
        Assert.That((badSeed.ExitCode, badSeed.Stderr.TrimEnd()), Is.EqualTo((2, "poslf: error: '4x' is not an integer seed (--seeds)")));
        var noSbatch = Poslf.Run(new Dictionary<string, string> { ["PATH"] = "/nonexistent" }, ["slurm", "submit", .. Sweep(outDir)]);
        Assert.That(noSbatch.ExitCode, Is.EqualTo(1));
        Assert.That(noSbatch.Stderr, Does.StartWith("poslf: error: sbatch not found on PATH"));
    }

    [Test]
    public void Run_with_shard_slurm_outside_an_array_job_fails_at_once_in_one_line()
    {
        var outDir = TinyWorld.TempDir("cli-shard-slurm");
        var (code, stdout, stderr) = Poslf.Run(null, ["run", "--configs", "baseline", "--model", TinyWorld.ModelDir, "--data-dir", TinyWorld.DataDir,
            "--out", outDir, "--shard", "slurm"]);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr.TrimEnd(), Is.EqualTo("poslf: error: not inside a Slurm array job: SLURM_ARRAY_TASK_ID is not set; submit the sweep with 'poslf slurm submit' or give the shard as i/n (--shard)"));
        Assert.That(stdout, Is.Empty);
        Assert.That(Directory.EnumerateFileSystemEntries(outDir), Is.Empty, "nothing was run");
    }

    [Test]
    public void Run_with_shard_slurm_inside_an_array_task_trains_that_tasks_shard_only()
    {
        // Task 11 of an array 10-11 is shard 1/2: of (baseline 42, baseline 43) the second.
        var env = new Dictionary<string, string>
        {
            ["SLURM_ARRAY_TASK_ID"] = "11", ["SLURM_ARRAY_TASK_MIN"] = "10", ["SLURM_ARRAY_TASK_MAX"] = "11", ["SLURM_ARRAY_TASK_COUNT"] = "2",
        };
        var outDir = TinyWorld.TempDir("cli-shard-slurm");
        var (code, stdout, stderr) = Poslf.Run(env, ["run", "--configs", "baseline", "--seeds", "42,43", "--model", TinyWorld.ModelDir,
            "--data-dir", SmokeSizedData.Value, "--out", outDir, "--shard", "slurm", "--no-summary"]);
        Assert.That(code, Is.EqualTo(0), stdout + stderr);
        Assert.That(stdout, Does.Contain("poslf run: 1 run(s) = 1 config(s) × 2 seed(s) (shard of)"));
        Assert.That(Directory.GetFiles(outDir, "metrics.json", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(outDir, f)),
            Is.EqualTo(new[] { Path.Combine("baseline", "seed-43", "metrics.json") }));
    }

    /// <summary>
    /// The CLI knows only the built-in profiles, and smoke reads 1,024 training sentences: TinyWorld's dev and test
    /// with the first 1,024 sentences of EWT train (a tiny-bert run on it takes seconds).
    /// </summary>
    private static readonly Lazy<string> SmokeSizedData = new(() =>
    {
        var dir = TinyWorld.TempDir("smoke-sized-data");
        foreach (var split in new[] { "dev", "test" })
            File.Copy(Path.Combine(TinyWorld.DataDir, $"en_ewt-ud-{split}.conllu"), Path.Combine(dir, $"en_ewt-ud-{split}.conllu"));
        var source = Path.Combine(TestPaths.DatasetDir, "en_ewt-ud-train.conllu");
        using var input = File.Exists(source) ? File.OpenRead(source)
            : (Stream)new System.IO.Compression.GZipStream(File.OpenRead(source + ".gz"), System.IO.Compression.CompressionMode.Decompress);
        using var reader = new StreamReader(input);
        using var writer = new StreamWriter(Path.Combine(dir, "en_ewt-ud-train.conllu"));
        var sentences = 0;
        while (sentences < 1024 && reader.ReadLine() is { } line)
        {
            writer.Write(line + "\n");
            if (line.Length == 0) sentences++;
        }
        return dir;
    });
}
