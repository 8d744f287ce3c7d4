using System.Diagnostics;

namespace POSLayerFreeze.Tests.Hostile;

/// <summary>A started poslf whose stdout and stderr lines are collected as they come, for tests that act while it runs.</summary>
internal sealed class HostileProcess : IDisposable
{
    private readonly List<string> stdout = [], stderr = [];

    public HostileProcess(ProcessStartInfo psi)
    {
        Process = new Process { StartInfo = psi };
        Process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.Add(e.Data); };
        Process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.Add(e.Data); };
        Process.Start();
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    public Process Process { get; }
    public string[] Stdout { get { lock (stdout) return [.. stdout]; } }
    public string[] Stderr { get { lock (stderr) return [.. stderr]; } }
    public string All => string.Join('\n', Stdout) + "\n" + string.Join('\n', Stderr);

    /// <summary>Waits for the exit (and the last output lines); false when it is still running after <paramref name="timeout"/>.</summary>
    public bool Exited(TimeSpan timeout)
    {
        if (!Process.WaitForExit(timeout)) return false;
        Process.WaitForExit();
        return true;
    }

    public static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (condition()) return true;
            Thread.Sleep(50);
        }
        return condition();
    }

    public void Dispose()
    {
        if (!Process.HasExited) Process.Kill(entireProcessTree: true);
        Process.Dispose();
    }
}
