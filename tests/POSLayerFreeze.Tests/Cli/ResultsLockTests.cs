using System.Diagnostics;
using System.Globalization;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tests.Experiments;

namespace POSLayerFreeze.Tests.Cli;

/// <summary>
/// Issue 12 §2/§3: one writer per results folder (an OS lock the kernel drops when the holder dies), and
/// <c>--parallel</c> children that never outlive their parent. The smoke profile on the tiny model and the real
/// EWT files keeps a run busy for a few seconds, long enough to act while it runs.
/// </summary>
public class ResultsLockTests
{
    private static string[] SmokeRun(string outDir, params string[] extra) =>
        ["run", "--configs", "baseline,all", "--model", TinyWorld.ModelDir, "--data-dir", TestPaths.DatasetDir, "--out", outDir, .. extra];

    [Test]
    public void A_second_writer_fails_at_once_naming_the_holders_PID()
    {
        var dir = TinyWorld.TempDir("lock");
        using (ResultsLock.Acquire(dir))
        {
            using (var again = ResultsLock.Acquire(dir)) Assert.That(again.Folder, Is.EqualTo(Path.GetFullPath(dir)), "re-entrant in one process");
            var clock = Stopwatch.StartNew();
            var second = Poslf.Run(SmokeRun(dir));
            Poslf.AssertError(second, 1, $"PID {Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}", dir, "--out", "--wait");
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "fails at once, does not train");
            Assert.That(Directory.EnumerateFiles(dir, "metrics.json", SearchOption.AllDirectories), Is.Empty);
            Assert.That(ResultsLock.HolderPid(dir), Is.EqualTo(Environment.ProcessId));
            var merge = Poslf.Run("merge", TinyWorld.TempDir("lock-src"), "--out", dir);
            Assert.That(merge.ExitCode, Is.EqualTo(1), merge.Stderr);
        }
        // Released: the same process (or any other) takes it again.
        using (ResultsLock.Acquire(dir)) { }
    }

    [Test]
    public void The_lock_dies_with_its_holder_and_wait_waits_for_it()
    {
        var dir = TinyWorld.TempDir("lock-kill");
        using var holder = Process.Start(Poslf.StartInfo(SmokeRun(dir)))!;
        var pid = holder.Id;
        Assert.That(WaitUntil(() => ResultsLock.HolderPid(dir) == pid, TimeSpan.FromSeconds(60)), Is.True, "the run takes the lock");
        Assert.That(() => ResultsLock.Acquire(dir), Throws.TypeOf<ResultsLockedException>().With.Message.Contains($"PID {pid}"));

        // A waiting writer proceeds once the holder is gone, though it died by SIGKILL without cleaning up.
        var acquired = Task.Run(() => { using var l = ResultsLock.Acquire(dir, TimeSpan.FromSeconds(60)); return ResultsLock.HolderPid(dir); });
        Thread.Sleep(300);
        Assert.That(acquired.IsCompleted, Is.False, "waits while the holder lives");
        holder.Kill();
        Assert.That(acquired.Wait(TimeSpan.FromSeconds(30)), Is.True);
        Assert.That(acquired.Result, Is.EqualTo(Environment.ProcessId));
    }

    [Test]
    public void An_out_that_is_a_file_fails_before_training()
    {
        var file = Path.Combine(TinyWorld.TempDir("lock-file"), "results");
        File.WriteAllText(file, "not a folder");
        Poslf.AssertError(Poslf.Run(SmokeRun(file)), 1, file, "is a file", "--out");
    }

    [Test]
    public void Parallel_children_die_within_2_s_of_a_SIGKILL_to_the_parent()
    {
        var dir = TinyWorld.TempDir("orphans");
        using var parent = Process.Start(Poslf.StartInfo(SmokeRun(dir, "--parallel", "2")))!;
        int[] children = [];
        Assert.That(WaitUntil(() => (children = ChildrenOf(parent.Id)).Length == 2, TimeSpan.FromSeconds(60)), Is.True, "two children start");
        Thread.Sleep(500);   // the children are past startup (prctl), into loading and training
        Assert.That(children.All(ProcessLifetime.IsAlive), Is.True);
        parent.Kill();   // SIGKILL to the parent alone: no handler of its own can run
        Thread.Sleep(2000);
        Assert.That(children.Where(ProcessLifetime.IsAlive), Is.Empty, "no child outlives the parent by 2 s");
    }

    [Test]
    public void Parallel_forwards_an_interrupt_and_every_child_stops()
    {
        var dir = TinyWorld.TempDir("interrupt");
        using var parent = Process.Start(Poslf.StartInfo(SmokeRun(dir, "--parallel", "2")))!;
        var stderr = parent.StandardError.ReadToEndAsync();
        _ = parent.StandardOutput.ReadToEndAsync();
        int[] children = [];
        Assert.That(WaitUntil(() => (children = ChildrenOf(parent.Id)).Length == 2, TimeSpan.FromSeconds(60)), Is.True);
        Thread.Sleep(500);
        Assert.That(ProcessLifetime.Interrupt(parent.Id), Is.True);
        Assert.That(parent.WaitForExit(30_000), Is.True, "the parent exits after an interrupt");
        // A child killed at the end of the grace period may still be dying when the parent returns.
        Assert.That(WaitUntil(() => !children.Any(ProcessLifetime.IsAlive), TimeSpan.FromSeconds(2)), Is.True, "every child stops");
        Assert.That(parent.ExitCode, Is.Not.Zero, stderr.Result);
        Assert.That(stderr.Result, Does.Not.Contain("   at "));
    }

    private static int[] ChildrenOf(int pid) => Directory.EnumerateDirectories("/proc")
        .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : -1)
        .Where(p => p > 0 && ProcessLifetime.ParentOf(p) == pid && ProcessLifetime.IsAlive(p)).ToArray();

    private static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (condition()) return true;
            Thread.Sleep(50);
        }
        return condition();
    }
}
