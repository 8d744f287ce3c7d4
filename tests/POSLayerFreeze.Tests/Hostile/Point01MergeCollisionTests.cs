using POSLayerFreeze.Experiments;
using POSLayerFreeze.Tests.Cli;
using POSLayerFreeze.Tests.Experiments;

namespace POSLayerFreeze.Tests.Hostile;

/// <summary>
/// Issue 29 point 1 (data lost): <c>merge --out X</c> replaced X's run when a shard's run had the same key
/// (config, seed) but other inputs, because the collision was left out of the one-experiment check.
/// </summary>
public class Point01MergeCollisionTests
{
    private static string Metrics(string dir) => File.ReadAllText(Path.Combine(dir, "baseline", "seed-42", RunExecutor.MetricsFile));

    [TestCase("testData", "inputs.dataset[2]")]
    [TestCase("profile", "inputs.profile.name")]
    [TestCase("variant", "inputs.variant")]
    public void A_shard_run_colliding_with_another_run_of_the_same_key_is_refused_and_nothing_is_replaced(string differs, string field)
    {
        var (correct, words) = SyntheticRuns.Uniform(8);
        var target = TinyWorld.TempDir("hostile-merge-x");
        SyntheticRuns.Write(target, "baseline", 42, correct, words);
        var shard = TinyWorld.TempDir("hostile-merge-shard");
        var (otherCorrect, otherWords) = SyntheticRuns.Uniform(6);
        SyntheticRuns.Write(shard, "baseline", 42, otherCorrect, otherWords,
            testData: differs == "testData" ? "OTHER" : "t0", profile: differs == "profile" ? "other" : "test", variant: differs == "variant" ? "v2" : "");
        var before = Metrics(target);

        var result = Poslf.Run("merge", shard, "--out", target);

        Poslf.AssertError(result, 1, "baseline/seed-42", field, target);
        Assert.That(Metrics(target), Is.EqualTo(before), "the target's run is kept byte for byte");
    }

    [Test]
    public void The_same_run_already_in_the_target_is_no_collision()
    {
        var (correct, words) = SyntheticRuns.Uniform(8);
        var target = TinyWorld.TempDir("hostile-merge-same");
        SyntheticRuns.Write(target, "baseline", 42, correct, words);
        var shard = TinyWorld.TempDir("hostile-merge-same-shard");
        SyntheticRuns.Write(shard, "baseline", 42, correct, words);
        Assert.That(Merge.Into([shard], target).Select(r => (r.Config, r.Seed)), Is.EqualTo(new[] { ("baseline", 42L) }));
    }
}
