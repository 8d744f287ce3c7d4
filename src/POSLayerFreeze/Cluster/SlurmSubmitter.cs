using System.Text.RegularExpressions;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Cluster;

/// <summary>The outcome of one sbatch call.</summary>
public sealed record SbatchResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Job ids of a submitted sweep.</summary>
public sealed record SlurmSubmission(string ArrayJobId, string MergeJobId);

/// <summary>A submission that Slurm refused or that could not be read; the message says what was already submitted.</summary>
public sealed class SlurmSubmitException(string message) : InvalidOperationException(message);

/// <summary>
/// Writes the two scripts and submits them: the array first, then the merge with <c>afterok</c> on the array's id.
/// sbatch is passed in, so tests can stand in for it and the CLI runs the real one.
/// </summary>
public static partial class SlurmSubmitter
{
    /// <summary>Writes the scripts and creates the folders Slurm needs (it does not create log folders itself).</summary>
    public static void WriteScripts(SlurmJobs jobs)
    {
        Directory.CreateDirectory(jobs.LogDir);
        Directory.CreateDirectory(jobs.ShardsDir);
        AtomicFile.WriteAllText(jobs.SweepScriptPath, jobs.SweepScript());
        AtomicFile.WriteAllText(jobs.MergeScriptPath, jobs.MergeScript());
        // Executable, so a user can also run a script by hand outside Slurm to see what a task does.
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(jobs.SweepScriptPath, mode);
            File.SetUnixFileMode(jobs.MergeScriptPath, mode);
        }
    }

    public static SlurmSubmission Submit(SlurmJobs jobs, Func<IReadOnlyList<string>, SbatchResult> sbatch)
    {
        WriteScripts(jobs);
        var array = JobId(sbatch(jobs.SweepSubmitArguments()), "the sweep array", jobs.SweepScriptPath, alreadySubmitted: null);
        var merge = JobId(sbatch(jobs.MergeSubmitArguments(array)), "the merge job", jobs.MergeScriptPath, alreadySubmitted: array);
        return new SlurmSubmission(array, merge);
    }

    /// <summary><c>sbatch --parsable</c> prints <c>jobid</c> or <c>jobid;cluster</c>.</summary>
    internal static string JobId(SbatchResult result, string what, string script, string? alreadySubmitted)
    {
        var hint = alreadySubmitted is null ? "" : $"; the sweep array {alreadySubmitted} is submitted without it (scancel {alreadySubmitted}, or sbatch the merge script by hand)";
        if (result.ExitCode != 0)
            throw new SlurmSubmitException($"sbatch refused {what} (exit {result.ExitCode}): {OneLine(result.Stderr + " " + result.Stdout)}{hint} ({script})");
        var match = ParsableOutput().Match(result.Stdout.Trim());
        if (!match.Success)
            throw new SlurmSubmitException($"sbatch --parsable printed '{OneLine(result.Stdout)}' for {what}, not a job id{hint} ({script})");
        return match.Groups[1].Value;
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Trim();

    [GeneratedRegex(@"^([0-9]+)(;[A-Za-z0-9_.-]+)?$")]
    private static partial Regex ParsableOutput();
}
