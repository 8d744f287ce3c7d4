using System.Diagnostics;
using System.Globalization;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tests.Cli;
using POSLayerFreeze.Tests.Experiments;

namespace POSLayerFreeze.Tests.Hostile;

/// <summary>
/// Issue 29 point 3 (hang): <c>run --wait</c> ignored Ctrl+C and SIGTERM while waiting for another writer's lock
/// (until the holder exited) and printed nothing while it waited. It now names the holder's PID and stops at once
/// on either signal with exit 130.
/// </summary>
public class Point03WaitInterruptTests
{
    [TestCase("SIGINT")]
    [TestCase("SIGTERM")]
    public void Wait_names_the_holder_and_a_signal_stops_it_at_once(string signal)
    {
        var dir = TinyWorld.TempDir("hostile-wait");
        // This test process holds the lock for as long as the test lasts: on main the waiter never got it.
        using var held = ResultsLock.Acquire(dir);
        var me = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        using var waiter = new HostileProcess(Poslf.StartInfoWithSigint("default",
            ["run", "--wait", "--configs", "baseline", "--model", TinyWorld.ModelDir, "--data-dir", TestPaths.DatasetDir, "--out", dir]));
        Assert.That(HostileProcess.WaitUntil(() => waiter.Stderr.Any(l => l.Contains($"in use by PID {me}", StringComparison.Ordinal)), TimeSpan.FromSeconds(60)),
            Is.True, $"says whom it waits for: {waiter.All}");
        var clock = Stopwatch.StartNew();
        Assert.That(signal == "SIGINT" ? ProcessLifetime.Interrupt(waiter.Process.Id) : ProcessLifetime.Terminate(waiter.Process.Id), Is.True);
        Assert.That(waiter.Exited(TimeSpan.FromSeconds(10)), Is.True, $"stops within seconds of {signal}, not when the holder exits");
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
        Assert.That(waiter.Process.ExitCode, Is.EqualTo(130), waiter.All);
        Assert.That(waiter.Stderr, Has.One.StartsWith("poslf: interrupted"), waiter.All);
        Assert.That(waiter.All, Does.Not.Contain("   at "));
        Assert.That(ResultsLock.HolderPid(dir), Is.EqualTo(Environment.ProcessId), "the holder is undisturbed");
    }
}
