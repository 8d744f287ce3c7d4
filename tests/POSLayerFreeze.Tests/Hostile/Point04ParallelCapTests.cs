using POSLayerFreeze.Tests.Cli;
using POSLayerFreeze.Tests.Experiments;

namespace POSLayerFreeze.Tests.Hostile;

/// <summary>
/// Issue 29 point 4 (hang): <c>--parallel N</c> started N children whatever the number of runs (2 runs with
/// <c>--parallel 1000</c> made the load average 208). It is now capped at the runs to do, and says so.
/// </summary>
public class Point04ParallelCapTests
{
    [Test]
    public void Parallel_is_capped_at_the_runs_to_do_and_says_so()
    {
        var dir = TinyWorld.TempDir("hostile-parallel");
        string[] args = ["run", "--configs", "baseline,all", "--model", TinyWorld.ModelDir, "--data-dir", TestPaths.DatasetDir,
            "--train-sentences", "16", "--out", dir, "--no-summary", "--parallel", "3"];
        var result = Poslf.Run(args, 300_000);
        Assert.That(result.ExitCode, Is.Zero, result.Stdout + result.Stderr);
        Assert.That(result.Stdout, Does.Contain("--parallel 3 capped at 2: 2 run(s) to do"));
        Assert.That(result.Stdout + result.Stderr, Does.Not.Contain("/3] "), "no third child");

        // Everything done: no child at all, nothing trains.
        var again = Poslf.Run(args, 300_000);
        Assert.That(again.ExitCode, Is.Zero, again.Stdout + again.Stderr);
        Assert.That(again.Stdout, Does.Contain("--parallel 3 capped at 1: 0 run(s) to do"));
        Assert.That(again.Stdout, Does.Not.Contain("/2] ").And.Not.Contain(": training"));
    }
}
