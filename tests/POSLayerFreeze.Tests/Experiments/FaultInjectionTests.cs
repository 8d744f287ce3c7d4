using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tests.Cli;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Tests.Experiments;

/// <summary>
/// Issue 12, fault injection: a tiny sweep (the tiny-bert world, 24 sentences a split, 9 runs) is killed with
/// SIGKILL at 20 seeded moments and rerun each time; the folder it ends with must equal an uninterrupted sweep's,
/// and after every kill each run the folder offers as finished must already be exactly the uninterrupted one.
/// Half the kills are aimed at result writes: the k-th temp file (AtomicFile's <c>.NAME.PID.GUID.tmp</c>) to appear
/// triggers the kill, which then lands while that file is written or just after it is renamed into place.
/// The other half come at seeded times from the start to about the second run's writes.
/// Compared: metrics.json without timing and provenance (RunExecutorTests.Comparable; docs/ARCHITECTURE.md lists
/// them), test.predictions.conllu and test.sentences.json byte for byte, summary.json without timing
/// (SweepTests.ComparableSummary), and the list of files (TensorBoard event files, whose names and records carry
/// wall-clock times, by count; summary.md and the PNG figures, which show throughput, by presence).
/// </summary>
[Category("FaultInjection")]
public class FaultInjectionTests
{
    private const int Kills = 20;
    private static readonly string[] Configs = ["baseline", "slpf-0", "all"];
    private static readonly string[] Seeds = ["42", "43", "44"];

    [Test]
    public void A_sweep_killed_20_times_and_rerun_ends_bit_identical_to_an_uninterrupted_one()
    {
        var work = TinyWorld.TempDir("fault");
        var profile = Path.Combine(work, "fault-profile.json");
        File.WriteAllText(profile, Invariant.ToJson(ProfileFile.ToFileJson(TinyWorld.Profile with { Name = "fault" })));
        var clock = Stopwatch.StartNew();
        var reference = Path.Combine(work, "uninterrupted");
        var uninterrupted = RunAndKill(Sweep(reference, profile), reference);
        Assert.That(uninterrupted.ExitCode, Is.Zero, uninterrupted.Output);
        var runCount = Configs.Length * Seeds.Length;
        Assert.That(ResultsFolder.Inspect(reference).Runs, Has.Count.EqualTo(runCount));
        var startup = uninterrupted.FirstRunTemp!.Value;
        var perRun = (uninterrupted.Wall - startup) / runCount;

        var faulted = Path.Combine(work, "killed");
        var random = new Random(20261201);
        var log = new List<string>();
        var insideWrite = 0;
        for (var kill = 0; kill < Kills; kill++)
        {
            // Aimed kills (even): at the n-th temp, the lock's PID file first, then 4 per run (TensorBoard folder,
            // predictions, sentences, metrics), so at most about one run is finished per attempt. Timed kills (odd):
            // during start-up and loading, or within the first run or two this attempt writes. Each attempt finishes
            // about half a run on average, so the sweep is still writing runs at the last kills.
            int? nthTemp = null;
            TimeSpan? delay = null, afterFirstWrite = null;
            switch (kill % 4)
            {
                case 0 or 2: nthTemp = random.Next(1, 7); break;
                case 1: delay = TimeSpan.FromMilliseconds(random.Next(100, (int)startup.TotalMilliseconds)); break;
                default: afterFirstWrite = TimeSpan.FromMilliseconds(random.Next(0, (int)(1.5 * perRun.TotalMilliseconds) + 1)); break;
            }
            var outcome = RunAndKill(Sweep(faulted, profile), faulted, nthTemp, delay, afterFirstWrite);
            if (outcome.TempsLeft.Length > 0) insideWrite++;
            var moment = nthTemp is { } n ? $"at temp #{n}" : delay is { } d ? $"{d.TotalMilliseconds:F0} ms after start" : $"{afterFirstWrite!.Value.TotalMilliseconds:F0} ms after the first run write";
            log.Add(string.Create(CultureInfo.InvariantCulture,
                $"kill {kill}: {moment}, {(outcome.ExitCode == 0 ? "finished first" : "killed")}, left [{string.Join(", ", outcome.TempsLeft)}], {ResultsFolder.Inspect(faulted).Runs.Count}/{runCount} run(s) accepted"));
            AssertAcceptedRunsAreExact(faulted, reference, log);
        }

        var last = RunAndKill(Sweep(faulted, profile), faulted);
        TestContext.Out.WriteLine(string.Join('\n', log));
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{insideWrite} of {Kills} kills left a temp file of their own (inside a write); uninterrupted sweep {uninterrupted.Wall.TotalSeconds:F1} s; total {clock.Elapsed.TotalSeconds:F0} s"));
        Assert.That(last.ExitCode, Is.Zero, last.Output);

        Assert.That(ResultsFolder.Inspect(faulted).Runs, Has.Count.EqualTo(runCount));
        AssertAcceptedRunsAreExact(faulted, reference, log);
        Assert.That(Invariant.ToJson(SweepTests.ComparableSummary(faulted)), Is.EqualTo(Invariant.ToJson(SweepTests.ComparableSummary(reference))));
        // Name what differs (a one-off failure under load once showed 44 files for 43 and nothing more): the extra
        // or missing paths, and the kill log, are what the next person needs to find the write that leaked.
        var (got, want) = (Listing(faulted), Listing(reference));
        Assert.That(got, Is.EqualTo(want), () =>
            $"the same files, no temp left behind; extra: [{string.Join(", ", got.Except(want, StringComparer.Ordinal))}], " +
            $"missing: [{string.Join(", ", want.Except(got, StringComparer.Ordinal))}], counts {got.Length} vs {want.Length} " +
            $"(duplicates: [{string.Join(", ", got.GroupBy(f => f, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key))}]);\n" +
            string.Join('\n', log));
        Assert.That(insideWrite, Is.GreaterThan(0), $"at least one kill landed inside a write: {string.Join('\n', log)}");
    }

    private static string[] Sweep(string outDir, string profile) =>
        ["run", "--configs", string.Join(',', Configs), "--seeds", string.Join(',', Seeds), "--model", TinyWorld.ModelDir,
         "--data-dir", TinyWorld.DataDir, "--profile", profile, "--out", outDir];

    private sealed record Outcome(int ExitCode, string Output, TimeSpan Wall, TimeSpan? FirstRunTemp, string[] TempsLeft);

    /// <summary>
    /// Runs the sweep; SIGKILLs it when the <paramref name="nthTemp"/>-th temp file or folder appears, after
    /// <paramref name="delay"/>, <paramref name="afterFirstRunWrite"/> after the first temp inside a run folder, or
    /// not at all when none is given. Reports the temps this process left.
    /// </summary>
    private static Outcome RunAndKill(string[] args, string outDir, int? nthTemp = null, TimeSpan? delay = null, TimeSpan? afterFirstRunWrite = null)
    {
        Directory.CreateDirectory(outDir);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(Poslf.StartInfo(args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var seen = 0;
        long firstTempTicks = -1;
        using var watcher = new FileSystemWatcher(outDir) { IncludeSubdirectories = true, Filter = "*.tmp" };
        // Killed from the watcher's own callback: moments after the temp appears, mostly before its write ends.
        watcher.Created += (_, e) =>
        {
            if (e.Name?.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal) == true
                && Interlocked.CompareExchange(ref firstTempTicks, clock.Elapsed.Ticks, -1) == -1 && afterFirstRunWrite is { } after)
                _ = Task.Delay(after).ContinueWith(_ => TryKill(process), TaskScheduler.Default);
            if (Interlocked.Increment(ref seen) == nthTemp) TryKill(process);
        };
        watcher.EnableRaisingEvents = true;
        process.WaitForExit(delay is { } d ? (int)d.TotalMilliseconds : 120_000);
        TryKill(process);
        process.WaitForExit();
        var wall = clock.Elapsed;
        var pidPart = string.Create(CultureInfo.InvariantCulture, $".{process.Id}.");
        var left = Directory.EnumerateFileSystemEntries(outDir, ".*.tmp", SearchOption.AllDirectories)
            .Where(e => Path.GetFileName(e).Contains(pidPart, StringComparison.Ordinal))
            .Select(e => Path.GetRelativePath(outDir, e)).Order(StringComparer.Ordinal).ToArray();
        var first = Interlocked.Read(ref firstTempTicks);
        return new Outcome(process.ExitCode, stdout.Result + stderr.Result, wall, first < 0 ? null : TimeSpan.FromTicks(first), left);
    }

    private static void TryKill(Process process)
    {
        try
        {
            process.Kill();   // SIGKILL: nothing of the process runs after it
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    /// <summary>Every run the folder offers as finished is the uninterrupted sweep's run, to the byte where it can be.</summary>
    private static void AssertAcceptedRunsAreExact(string faulted, string reference, List<string> log)
    {
        foreach (var run in ResultsFolder.Inspect(faulted).Runs)
        {
            var rel = Path.GetRelativePath(faulted, run.Directory);
            var expectedDir = Path.Combine(reference, rel);
            var context = $"{rel} after {log[^1]}";
            Assert.That(Invariant.ToJson(RunExecutorTests.Comparable(Metrics(run.Directory))), Is.EqualTo(Invariant.ToJson(RunExecutorTests.Comparable(Metrics(expectedDir)))), context);
            foreach (var file in new[] { RunExecutor.PredictionsFile, RunExecutor.SentencesFile })
                Assert.That(File.ReadAllBytes(Path.Combine(run.Directory, file)), Is.EqualTo(File.ReadAllBytes(Path.Combine(expectedDir, file))), $"{file} of {context}");
        }
    }

    private static JsonObject Metrics(string runDir) => (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(runDir, RunExecutor.MetricsFile)))!;

    /// <summary>The folder's files relative to it; a TensorBoard event file by its folder only (its name holds a time and a PID).</summary>
    private static string[] Listing(string dir) => Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
        .Select(f => Path.GetRelativePath(dir, f))
        .Select(f => Path.GetFileName(f).StartsWith("events.out.tfevents.", StringComparison.Ordinal) ? Path.Combine(Path.GetDirectoryName(f)!, "events.out.tfevents.*") : f)
        .Order(StringComparer.Ordinal).ToArray();
}
