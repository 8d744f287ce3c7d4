using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Cluster;

/// <summary>
/// After the sweep's shards are merged, the specs check the merged runs against the golden files (they reuse the
/// finished runs in <c>POSLF_RUNS_DIR</c> instead of training). Only meaningful for the whole study with the
/// profile's default seeds, which the caller checks.
/// </summary>
public sealed record SpecsCheck(string DotnetHost, string Project, string Profile, string Device, string Model, string? DataDir);

/// <summary>
/// A sweep as two Slurm jobs: an array with one task per shard (<c>poslf run … --shard slurm</c>, as the CLI words
/// it in <see cref="TaskCommand"/>), and a merge job
/// that starts when every task has succeeded (<c>--dependency=afterok</c>, given at submission because the array's
/// id is known only then). Everything lives under <see cref="OutDir"/>:
/// <c>shards/shard-i/</c> (task i's runs), <c>merged/</c> (the combined results), <c>logs/</c> (one log per task and
/// one for the merge), <c>slurm/</c> (the two scripts, resubmittable by hand).
/// </summary>
public sealed partial record SlurmJobs
{
    /// <param name="taskCommand">What every array task runs, up to its shard folder, which the script appends
    /// (e.g. <c>dotnet /abs/poslf.dll run … --out</c>): the CLI builds it, so the library knows no option.</param>
    /// <param name="mergeCommand">What the merge job runs, given the shard folders and the merged folder.</param>
    public SlurmJobs(IReadOnlyList<string> taskCommand, Func<IReadOnlyList<string>, string, IReadOnlyList<string>> mergeCommand, int shards,
        string outDir, string workingDirectory)
    {
        if (taskCommand.Count == 0) throw new ArgumentException("the task command is empty", nameof(taskCommand));
        ArgumentNullException.ThrowIfNull(mergeCommand);
        if (shards < 1) throw new InvalidFieldException("shards", $"the sweep needs at least one shard, not {shards}");
        TaskCommand = taskCommand;
        MergeCommand = mergeCommand;
        Shards = shards;
        OutDir = SbatchPath(outDir, "out");
        WorkingDirectory = SbatchPath(workingDirectory, "working_directory");
    }

    /// <summary>The command of one array task, without its shard folder; runs poslf by absolute path so tasks never rebuild.</summary>
    public IReadOnlyList<string> TaskCommand { get; }
    /// <summary>The merge job's command for (shard folders, merged folder).</summary>
    public Func<IReadOnlyList<string>, string, IReadOnlyList<string>> MergeCommand { get; }
    public int Shards { get; }
    public string OutDir { get; }
    /// <summary>Where the jobs run (<c>--chdir</c>): the folder of the submission, so relative paths mean the same.</summary>
    public string WorkingDirectory { get; }

    public string? Partition { get; init => field = Checked(value, PartitionPattern(), "partition", "a partition name or a comma-separated list"); }
    public string? Gres { get; init => field = Checked(value, GresPattern(), "gres", "e.g. gpu:1 or gpu:a100:2"); }
    public string? Time { get; init => field = Checked(value, TimePattern(), "time", "minutes, HH:MM:SS or D-HH:MM:SS"); }

    /// <summary>Slurm's default MaxArraySize: array indices go up to 1000, so an array of more tasks is refused by
    /// sbatch unless the cluster's slurm.conf raises it.</summary>
    public const int DefaultMaxArraySize = 1001;

    /// <summary>At most this many tasks at once (the array's <c>%K</c>); null: as many as the scheduler grants.</summary>
    public int? MaxParallel
    {
        get;
        init => field = value is < 1 ? throw new InvalidFieldException("max_parallel", $"at most this many tasks at once must be at least 1, not {value}") : value;
    }

    public int? CpusPerTask
    {
        get;
        init => field = value is < 1 ? throw new InvalidFieldException("cpus_per_task", $"CPUs per task must be at least 1, not {value}") : value;
    }

    /// <summary>Further <c>#SBATCH</c> options for both jobs (account, QOS, constraint, mail), written verbatim.</summary>
    public IReadOnlyList<string> ExtraSbatch
    {
        get;
        init
        {
            foreach (var option in value)
                if (!option.StartsWith("--", StringComparison.Ordinal) || option.Any(char.IsWhiteSpace))
                    throw new InvalidFieldException("sbatch", $"'{option}' is not one sbatch option of the form --name=value without spaces");
            field = value;
        }
    } = [];

    public SpecsCheck? Specs { get; init; }

    public string ShardsDir => OutDir + "/shards";
    public string MergedDir => OutDir + "/merged";
    public string LogDir => OutDir + "/logs";
    public string ScriptDir => OutDir + "/slurm";
    public string SweepScriptPath => ScriptDir + "/sweep.sbatch";
    public string MergeScriptPath => ScriptDir + "/merge.sbatch";
    public string ShardDir(int index) => ShardsDir + "/shard-" + index.ToString(CultureInfo.InvariantCulture);
    public string TaskLog(string arrayJobId, int index) => $"{LogDir}/sweep-{arrayJobId}_{index.ToString(CultureInfo.InvariantCulture)}.out";
    public string MergeLog(string mergeJobId) => $"{LogDir}/merge-{mergeJobId}.out";

    /// <summary>The array script: task i runs shard i/n into its own folder, so a requeued task resumes there.</summary>
    public string SweepScript()
    {
        var last = (Shards - 1).ToString(CultureInfo.InvariantCulture);
        var array = "0-" + last + (MaxParallel is { } k ? "%" + k.ToString(CultureInfo.InvariantCulture) : "");
        var script = new StringBuilder();
        script.Append("#!/bin/bash\n");
        script.Append("# Written by 'poslf slurm submit': one array task per shard of the sweep. Task i runs shard i of ")
            .Append(Shards.ToString(CultureInfo.InvariantCulture)).Append(" into shards/shard-i;\n");
        script.Append("# a requeued or failed task run again resumes there (finished runs are kept).\n");
        script.Append("#SBATCH --job-name=poslf-sweep\n");
        script.Append("#SBATCH --array=").Append(array).Append('\n');
        AppendCommon(script, $"{LogDir}/sweep-%A_%a.out", Gres);
        // Resubmitting the whole script is fine; resubmitting part of the array (--array=2) would make task 2 the
        // only task, i.e. shard 0/1 = the whole sweep in shard-2. Requeue a task instead (scontrol requeue JOB_2).
        script.Append("if [[ ${SLURM_ARRAY_TASK_MIN:-} != 0 || ${SLURM_ARRAY_TASK_COUNT:-} != ").Append(Shards.ToString(CultureInfo.InvariantCulture)).Append(" ]]; then\n");
        script.Append("  echo \"poslf: error: this script is an array of ").Append(Shards.ToString(CultureInfo.InvariantCulture))
            .Append(" tasks (--array=0-").Append(last).Append("); to rerun one task use scontrol requeue JOBID_TASK (").Append(SweepScriptPath).Append(")\" >&2\n");
        script.Append("  exit 2\nfi\n");
        script.Append("echo \"poslf sweep: array job ${SLURM_ARRAY_JOB_ID} task ${SLURM_ARRAY_TASK_ID} of ${SLURM_ARRAY_TASK_COUNT} on $(hostname) at $(date -u +%FT%TZ)\"\n");
        script.Append("exec ").Append(Command(TaskCommand))
            .Append(' ').Append(Quote(ShardsDir)).Append("/shard-\"${SLURM_ARRAY_TASK_ID}\"\n");
        return script.ToString();
    }

    /// <summary>The merge script: every shard folder must be there (a missing one is an error, not a smaller study).</summary>
    public string MergeScript()
    {
        var script = new StringBuilder();
        script.Append("#!/bin/bash\n");
        script.Append("# Written by 'poslf slurm submit': runs after every task of the sweep array succeeded (afterok).\n");
        script.Append("# poslf merge refuses shards made with different inputs.\n");
        script.Append("#SBATCH --job-name=poslf-merge\n");
        // The specs may initialise the device the runs were made on (e.g. CUDA); the merge alone needs no GPU.
        AppendCommon(script, $"{LogDir}/merge-%j.out", Specs is null ? null : Gres);
        script.Append("echo \"poslf merge: job ${SLURM_JOB_ID} on $(hostname) at $(date -u +%FT%TZ)\"\n");
        var shards = Enumerable.Range(0, Shards).Select(ShardDir);
        script.Append(Command(MergeCommand([.. shards], MergedDir))).Append('\n');
        if (Specs is { } specs)
        {
            var category = specs.Profile.Equals("full", StringComparison.OrdinalIgnoreCase) ? "Full" : "Smoke";
            script.Append("# The specs reuse the merged runs (POSLF_RUNS_DIR) and compare them with the golden files.\n");
            script.Append("export POSLF_PROFILE=").Append(Quote(specs.Profile)).Append(" POSLF_DEVICE=").Append(Quote(specs.Device))
                .Append(" POSLF_MODEL=").Append(Quote(specs.Model)).Append(" POSLF_RUNS_DIR=").Append(Quote(MergedDir));
            if (specs.DataDir is { } data) script.Append(" POSLF_DATA_DIR=").Append(Quote(data));
            script.Append('\n');
            script.Append(Command([specs.DotnetHost, "test", specs.Project, "-c", "Release", "--no-build", "--filter", "Category=" + category])).Append('\n');
        }
        script.Append("echo \"poslf merge: results in ").Append(MergedDir).Append("\"\n");
        return script.ToString();
    }

    /// <summary>The two sbatch command lines, as <see cref="SlurmSubmitter"/> runs them (the merge's with a placeholder id).</summary>
    public IReadOnlyList<string> SweepSubmitArguments() => ["--parsable", SweepScriptPath];

    public IReadOnlyList<string> MergeSubmitArguments(string arrayJobId) =>
        // kill-on-invalid-dep: if a task fails for good the merge is cancelled instead of waiting forever.
        ["--parsable", "--dependency=afterok:" + arrayJobId, "--kill-on-invalid-dep=yes", MergeScriptPath];

    private void AppendCommon(StringBuilder script, string output, string? gres)
    {
        script.Append("#SBATCH --chdir=").Append(WorkingDirectory).Append('\n');
        script.Append("#SBATCH --output=").Append(output).Append('\n');
        // A requeued task appends to its log instead of truncating the first attempt's.
        script.Append("#SBATCH --open-mode=append\n");
        script.Append("#SBATCH --requeue\n");
        if (Partition is not null) script.Append("#SBATCH --partition=").Append(Partition).Append('\n');
        if (gres is not null) script.Append("#SBATCH --gres=").Append(gres).Append('\n');
        if (Time is not null) script.Append("#SBATCH --time=").Append(Time).Append('\n');
        if (CpusPerTask is { } cpus) script.Append("#SBATCH --cpus-per-task=").Append(cpus.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var option in ExtraSbatch) script.Append("#SBATCH ").Append(option).Append('\n');
        script.Append("set -euo pipefail\n");
        // libtorch's OpenMP pool reads this at start-up: use the CPUs Slurm granted, not every core of the node.
        script.Append("export OMP_NUM_THREADS=${OMP_NUM_THREADS:-${SLURM_CPUS_PER_TASK:-1}}\n");
    }

    /// <summary>A command line for bash, each word quoted only when it needs it.</summary>
    public static string Command(IEnumerable<string> words) => string.Join(' ', words.Select(Quote));

    public static string Quote(string word) =>
        word.Length > 0 && SafeWord().IsMatch(word) ? word : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string? Checked(string? value, Regex pattern, string field, string expected) =>
        value is null || pattern.IsMatch(value) ? value : throw new InvalidFieldException(field, $"'{value}' is not a valid value: expected {expected}");

    // #SBATCH lines are split on whitespace by sbatch and '%' starts a file-name pattern in --output, so the
    // paths written there are limited to characters that mean themselves.
    private static string SbatchPath(string path, string field)
    {
        var full = Path.GetFullPath(path).TrimEnd('/');
        if (!PathPattern().IsMatch(full))
            throw new InvalidFieldException(field, $"'{full}' cannot be written into an #SBATCH line (spaces, quotes, % and the like): choose a plainer path");
        return full;
    }

    [GeneratedRegex(@"^[A-Za-z0-9_./=:,+@%^-]+$")]
    private static partial Regex SafeWord();

    [GeneratedRegex(@"^/[A-Za-z0-9_./+,@:=~-]*$")]
    private static partial Regex PathPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$")]
    private static partial Regex PartitionPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_]+(:[A-Za-z0-9_.-]+)*(,[A-Za-z0-9_]+(:[A-Za-z0-9_.-]+)*)*$")]
    private static partial Regex GresPattern();

    [GeneratedRegex(@"^(\d+(:\d{1,2}){0,2}|\d+-\d{1,2}(:\d{1,2}){0,2}|UNLIMITED|INFINITE)$")]
    private static partial Regex TimePattern();
}
