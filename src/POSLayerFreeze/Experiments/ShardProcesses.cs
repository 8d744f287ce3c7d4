using System.Diagnostics;
using System.Globalization;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Experiments;

/// <summary>
/// A study run in parallel (<see cref="StudyRequest.Parallel"/>): N child processes, child i running shard i of N
/// without a summary, each started with the command the front end gives for it (the CLI: <c>poslf run … --shard
/// i/N --no-summary</c>; this class knows no option). The children die with the parent, however it dies (see
/// <see cref="ProcessLifetime"/>); cancellation (Ctrl+C, SIGTERM: see <see cref="InterruptSignals"/>) is forwarded
/// as SIGTERM so each child stops at its next step, and a child still running after <see cref="GracePeriod"/> is
/// killed. An interrupt before or while the children start starts no more of them.
/// </summary>
public static class ShardProcesses
{
    public static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Starts the children and waits for all of them on the calling thread (the thread that forks is the one whose
    /// exit the kernel's parent-death signal watches, so it must outlive the children).
    /// </summary>
    /// <param name="command">Child i's program and arguments (e.g. <c>dotnet poslf.dll run … --shard i/N</c>).</param>
    /// <param name="resultsFolder">The folder whose lock the caller holds and shares with the children.</param>
    /// <param name="output">Receives (child index, line, is stderr) for every line a child prints.</param>
    public static void Run(Func<int, IReadOnlyList<string>> command, int count, string resultsFolder,
        Action<int, string, bool> output, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var children = new List<Process>();
        (int Code, int Index)[] failed;
        try
        {
            for (var i = 0; i < count; i++)
            {
                // An interrupt that came before (or while) the children start: start no more of them.
                if (cancel.IsCancellationRequested) break;
                var index = i;
                var words = command(i);
                var psi = new ProcessStartInfo(words[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (var a in words.Skip(1)) psi.ArgumentList.Add(a);
                psi.Environment[ProcessLifetime.ParentPidVariable] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
                psi.Environment[ResultsLock.SharedFolderVariable] = Path.GetFullPath(resultsFolder);
                var child = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {words[0]}");
                children.Add(child);
                child.OutputDataReceived += (_, e) => { if (e.Data is not null) output(index, e.Data, false); };
                child.ErrorDataReceived += (_, e) => { if (e.Data is not null) output(index, e.Data, true); };
                child.BeginOutputReadLine();
                child.BeginErrorReadLine();
            }
            using var registration = cancel.Register(() =>
            {
                foreach (var c in children) if (!c.HasExited) ProcessLifetime.Terminate(c.Id);
            });
            var graceDeadline = (DateTime?)null;
            var lastInterrupt = DateTime.MinValue;
            foreach (var c in children)
            {
                while (!c.WaitForExit(100))
                {
                    if (!cancel.IsCancellationRequested) continue;
                    var now = DateTime.UtcNow;
                    graceDeadline ??= now + GracePeriod;
                    if (now >= graceDeadline) KillAll(children);
                    // Re-sent each second: harmless to a child that is already stopping, and it reaches one whose
                    // first request came before the process could act on it.
                    else if (now - lastInterrupt >= TimeSpan.FromSeconds(1))
                    {
                        foreach (var other in children) if (!other.HasExited) ProcessLifetime.Terminate(other.Id);
                        lastInterrupt = now;
                    }
                }
                c.WaitForExit();   // drains the redirected output
            }
            failed = children.Select((c, i) => (Code: c.ExitCode, Index: i)).Where(x => x.Code != 0).ToArray();
        }
        finally
        {
            KillAll(children);
            foreach (var c in children) c.Dispose();
        }
        cancel.ThrowIfCancellationRequested();
        if (failed.Length > 0)
            throw new InvalidOperationException(
                $"shard(s) {string.Join(", ", failed.Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Index}/{count} (exit {f.Code})")))} failed; their errors are above, finished runs are kept");
    }

    private static void KillAll(List<Process> children)
    {
        foreach (var c in children)
        {
            try
            {
                if (!c.HasExited) c.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Exited between the check and the kill.
            }
        }
    }
}
