using System.Diagnostics;
using System.Globalization;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tests.Experiments;

using POSLayerFreeze.Tests.Hostile;

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

    /// <summary>
    /// Two children that train for minutes, for the tests that signal them once both are training. With the smoke
    /// profile's one epoch the child with `all` (61 steps of a tiny model) can finish its whole shard while the other
    /// is still loading; it then never sees the forwarded request (seen under load: "child 0 stopped on request").
    /// Not many more epochs: the trainer uploads every epoch's batches before its first step and checks for
    /// cancellation only between steps, so with 200 epochs the children were still uploading when the grace
    /// period ran out and were killed, not stopped.
    /// </summary>
    private static string[] LongParallelRun(string outDir) => SmokeRun(outDir, "--parallel", "2", "--epochs", "20");

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
        Assert.That(HostileProcess.WaitUntil(() => ResultsLock.HolderPid(dir) == pid, TimeSpan.FromSeconds(60)), Is.True, "the run takes the lock");
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
        using var parent = Process.Start(Poslf.StartInfo(LongParallelRun(dir)))!;
        int[] children = [];
        Assert.That(HostileProcess.WaitUntil(() => (children = ChildrenOf(parent.Id)).Length == 2, TimeSpan.FromSeconds(60)), Is.True, "two children start");
        Thread.Sleep(500);   // the children are past startup (prctl), into loading and training
        Assert.That(children.All(ProcessLifetime.IsAlive), Is.True);
        parent.Kill();   // SIGKILL to the parent alone: no handler of its own can run
        Thread.Sleep(2000);
        Assert.That(children.Where(ProcessLifetime.IsAlive), Is.Empty, "no child outlives the parent by 2 s");
    }

    [Test]
    public void Parallel_forwards_an_interrupt_and_every_child_stops()
    {
        // `env` execs dotnet in place: its pid is the CLI's. SIGINT at its default, however this host was started.
        var dir = TinyWorld.TempDir("interrupt");
        using var parent = new HostileProcess(Poslf.StartInfoWithSigint("default", LongParallelRun(dir)));
        var children = WaitForTrainingChildren(parent, 2);
        Assert.That(ProcessLifetime.Interrupt(parent.Process.Id), Is.True);
        AssertStoppedByRequest(parent, children, 2);
    }

    [Test]
    public void Parallel_stops_on_SIGTERM_where_SIGINT_is_ignored()
    {
        // A shell's background job: SIGINT ignored in the parent and, inherited, in its children. SIGTERM still
        // stops the parent, and what it forwards still reaches the children (SIGTERM, not SIGINT).
        var dir = TinyWorld.TempDir("sigterm");
        using var parent = new HostileProcess(Poslf.StartInfoWithSigint("ignore", LongParallelRun(dir)));
        var children = WaitForTrainingChildren(parent, 2);
        Assert.That(ProcessLifetime.Terminate(parent.Process.Id), Is.True);
        AssertStoppedByRequest(parent, children, 2);
    }

    /// <summary>
    /// The race behind the old flake's family: an interrupt that lands while the parent is still resolving the model
    /// and planning, before any child exists. Then no child may start and the command must not carry on to exit 0.
    /// Seeded moments between the lock being taken and the children's start.
    /// </summary>
    [Test]
    public void An_interrupt_before_the_children_start_starts_none_and_exits_130()
    {
        var random = new Random(12);
        foreach (var delayMs in new[] { 0, random.Next(1, 150), random.Next(150, 400) })
        {
            var dir = TinyWorld.TempDir("early-interrupt");
            using var parent = Process.Start(Poslf.StartInfoWithSigint("default", SmokeRun(dir, "--parallel", "2")))!;
            var (stdout, stderr) = (parent.StandardOutput.ReadToEndAsync(), parent.StandardError.ReadToEndAsync());
            Assert.That(HostileProcess.WaitUntil(() => ResultsLock.HolderPid(dir) == parent.Id, TimeSpan.FromSeconds(60)), Is.True, "the run takes the lock");
            Thread.Sleep(delayMs);
            var childrenBefore = ChildrenOf(parent.Id);
            Assert.That(ProcessLifetime.Interrupt(parent.Id), Is.True);
            Assert.That(parent.WaitForExit(30_000), Is.True, $"exits after an interrupt {delayMs} ms after the lock");
            Assert.That(parent.ExitCode, Is.EqualTo(130), $"delay {delayMs} ms: {stderr.Result}");
            Assert.That(stderr.Result, Does.Contain("poslf: interrupted").And.Not.Contain("   at "), $"delay {delayMs} ms");
            Assert.That(stdout.Result, Does.Not.Contain("sweep finished"), $"delay {delayMs} ms");
            // Whatever had started by the interrupt stops too; nothing starts after it.
            Assert.That(HostileProcess.WaitUntil(() => !childrenBefore.Any(ProcessLifetime.IsAlive), TimeSpan.FromSeconds(2)), Is.True);
            Assert.That(ChildrenOf(parent.Id), Is.Empty);
        }
    }

    /// <summary>
    /// Waits until <paramref name="count"/> children exist and each has printed that it is training: from then on
    /// every step checks for cancellation, so a forwarded request must stop each child well inside the grace period
    /// (loading the data does not check, and under load it can take longer than the grace period).
    /// </summary>
    private static int[] WaitForTrainingChildren(HostileProcess parent, int count)
    {
        int[] children = [];
        Assert.That(HostileProcess.WaitUntil(() => (children = ChildrenOf(parent.Process.Id)).Length == count, TimeSpan.FromSeconds(60)), Is.True, $"{count} children start");
        for (var i = 0; i < count; i++)
        {
            var prefix = $"[{i}/{count}] [1/";
            Assert.That(HostileProcess.WaitUntil(() => parent.Stdout.Any(l => l.StartsWith(prefix, StringComparison.Ordinal) && l.EndsWith(": training", StringComparison.Ordinal)), TimeSpan.FromSeconds(90)),
                Is.True, $"child {i} starts training: {parent.All}");
        }
        return children;
    }

    /// <summary>
    /// Stopped because it was asked to, not killed: exit 130 with the "interrupted" line from the parent and from
    /// every child (the forwarded request reached them), no stack trace, no child left.
    /// </summary>
    private static void AssertStoppedByRequest(HostileProcess parent, int[] children, int count)
    {
        Assert.That(parent.Process.WaitForExit(30_000), Is.True, "the parent exits after the request");
        parent.Process.WaitForExit();   // drains the output events
        // A child killed at the end of the grace period may still be dying when the parent returns.
        Assert.That(HostileProcess.WaitUntil(() => !children.Any(ProcessLifetime.IsAlive), TimeSpan.FromSeconds(2)), Is.True, "every child stops");
        var all = parent.All;
        Assert.That(parent.Process.ExitCode, Is.EqualTo(130), all);
        Assert.That(all, Does.Not.Contain("   at ").And.Not.Contain("Unhandled exception"));
        Assert.That(parent.Stderr.Count(l => l.StartsWith("poslf: interrupted", StringComparison.Ordinal)), Is.EqualTo(1), all);
        for (var i = 0; i < count; i++)
            Assert.That(parent.Stderr.Any(l => l.StartsWith($"[{i}/{count}] poslf: interrupted", StringComparison.Ordinal)), Is.True, $"child {i} stopped on request: {all}");
    }

    private static int[] ChildrenOf(int pid) => Directory.EnumerateDirectories("/proc")
        .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : -1)
        .Where(p => p > 0 && ProcessLifetime.ParentOf(p) == pid && ProcessLifetime.IsAlive(p)).ToArray();
}
