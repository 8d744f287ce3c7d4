using System.Text.Json.Nodes;
using POSLayerFreeze.Evaluation;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Tests.Evaluation;

/// <summary>
/// The seed-aware comparisons on constructed data whose answer is known: identical systems, a constant shift, pure
/// seed noise (where the sentence bootstrap is fooled and the seed-aware tests are not), and one seed.
/// </summary>
public sealed class SeedAwareTests
{
    private const int Sentences = 60, WordsPerSentence = 20;

    private static readonly int[] Words = Enumerable.Repeat(WordsPerSentence, Sentences).ToArray();

    /// <summary>
    /// One system trained with several seeds: each seed has its own skill (the retraining noise), each sentence its
    /// own difficulty, and each word of 8 hard ones per sentence is right with the seed's probability.
    /// </summary>
    private static IReadOnlyList<int>[] System(SplitMix64 rng, int seeds, double seedSd = 0.08, int shift = 0)
    {
        var runs = new IReadOnlyList<int>[seeds];
        for (var s = 0; s < seeds; s++)
        {
            var skill = 0.5 + seedSd * Math.Sqrt(3) * (2 * Uniform(rng) - 1);   // uniform with sd seedSd
            var correct = new int[Sentences];
            for (var i = 0; i < Sentences; i++)
            {
                var hard = 0;
                for (var w = 0; w < 8; w++) hard += Uniform(rng) < skill ? 1 : 0;
                correct[i] = 10 + hard + shift;   // 10 easy words always right; shift ≤ 2 keeps it within 20
            }
            runs[s] = correct;
        }
        return runs;
    }

    private static double Uniform(SplitMix64 rng) => (rng.NextUInt64() >> 11) * (1.0 / (1UL << 53));

    private static double[] Accuracies(IReadOnlyList<int>[] runs) => runs.Select(r => (double)r.Sum() / (Sentences * WordsPerSentence)).ToArray();

    [Test]
    public void Identical_systems_give_zero_and_an_interval_around_it()
    {
        var a = System(new SplitMix64(1), seeds: 3);
        var boot = SeedAware.HierarchicalBootstrap(a, a, Words, resamples: 2000, seed: 9);
        Assert.That(boot.Computable, Is.True);
        Assert.That(boot.Difference, Is.Zero);
        // Seeds are drawn independently for the two sides, so the seed noise shows: a real interval, not [0, 0].
        Assert.That(boot.Lower, Is.LessThan(0));
        Assert.That(boot.Upper, Is.GreaterThan(0));
        Assert.That(boot.PValue, Is.GreaterThan(0.3));
        var welch = SeedAware.Welch(Accuracies(a), Accuracies(a));
        Assert.That(welch.Difference, Is.Zero);
        Assert.That(welch.T, Is.Zero);
        Assert.That(welch.PValue, Is.EqualTo(1).Within(1e-12));
        Assert.That(welch.Lower, Is.LessThan(0));
        Assert.That(welch.Upper, Is.EqualTo(-welch.Lower).Within(1e-15));
    }

    [Test]
    public void A_constant_shift_is_recovered_exactly()
    {
        var a = System(new SplitMix64(2), seeds: 4);
        // One more correct word in every sentence of every seed: Δ = 60 / 1200 = 0.05 exactly.
        var b = a.Select(r => (IReadOnlyList<int>)r.Select(c => c + 1).ToArray()).ToArray();
        var boot = SeedAware.HierarchicalBootstrap(a, b, Words, resamples: 2000, seed: 9);
        Assert.That(boot.Difference, Is.EqualTo(0.05).Within(1e-15));
        Assert.That(boot.Lower, Is.LessThan(0.05));
        Assert.That(boot.Upper, Is.GreaterThan(0.05));
        var welch = SeedAware.Welch(Accuracies(a), Accuracies(b));
        Assert.That(welch.Difference, Is.EqualTo(0.05).Within(1e-15));
        // Equal spreads and equal n: Welch's df is the pooled 2n − 2.
        Assert.That(welch.Df, Is.EqualTo(6).Within(1e-9));
        var sd = MeanSd.Of(Accuracies(a)).Sd;
        Assert.That(welch.T, Is.EqualTo(0.05 / (sd * Math.Sqrt(2.0 / 4))).Within(1e-9));
        Assert.That((welch.Lower + welch.Upper) / 2, Is.EqualTo(0.05).Within(1e-15));
    }

    [Test]
    public void Welch_matches_a_hand_worked_example()
    {
        // A = 1,2,3; B = 4,5,6: Δ = 3, s² = 1 each, se = √(2/3), t = 3/√(2/3) = 3.674235, df = (2/3)² / (2·(1/3)²/2) = 4.
        var r = SeedAware.Welch([1, 2, 3], [4, 5, 6]);
        Assert.That(r.Difference, Is.EqualTo(3));
        Assert.That(r.T, Is.EqualTo(3 / Math.Sqrt(2.0 / 3)).Within(1e-12));
        Assert.That(r.Df, Is.EqualTo(4).Within(1e-12));
        // p from the elementary ν = 4 CDF, an oracle independent of the incomplete beta
        var t = r.T;
        var u = 1 + t * t / 4;
        var cdf = 0.5 + 0.375 * (t / Math.Sqrt(u)) * (1 - t * t / (12 * u));
        Assert.That(r.PValue, Is.EqualTo(2 * (1 - cdf)).Within(1e-12));
        Assert.That(r.PValue, Is.EqualTo(0.0213).Within(1e-4));
        Assert.That(r.Lower, Is.EqualTo(3 - 2.776445 * Math.Sqrt(2.0 / 3)).Within(1e-5));
        Assert.That(r.Upper, Is.EqualTo(3 + 2.776445 * Math.Sqrt(2.0 / 3)).Within(1e-5));

        // Unequal n and spreads: df = (va + vb)² / (va²/(nA−1) + vb²/(nB−1)) with va = s²_A/nA, vb = s²_B/nB.
        var unequal = SeedAware.Welch([1, 2, 3, 4], [2, 4, 6]);
        double va = (5.0 / 3) / 4, vb = 4.0 / 3;
        Assert.That(unequal.Df, Is.EqualTo((va + vb) * (va + vb) / (va * va / 3 + vb * vb / 2)).Within(1e-12));
        Assert.That(unequal.Difference, Is.EqualTo(1.5).Within(1e-15));
    }

    [Test]
    public void Welch_without_any_spread_reports_no_t()
    {
        var same = SeedAware.Welch([0.9, 0.9], [0.9, 0.9]);
        Assert.That((same.Difference, same.PValue, same.Lower, same.Upper), Is.EqualTo((0.0, 1.0, 0.0, 0.0)));
        Assert.That(double.IsNaN(same.Df), Is.True);
        var apart = SeedAware.Welch([0.9, 0.9], [0.95, 0.95]);
        Assert.That(apart.PValue, Is.Zero);
        Assert.That(apart.Lower, Is.EqualTo(apart.Upper));
    }

    [TestCase(5)]
    [TestCase(3)]
    public void Pure_seed_noise_fools_the_sentence_bootstrap_but_not_the_seed_aware_tests(int seeds)
    {
        // 200 studies of two configurations drawn from the same distribution, 3 or 5 seeds each: every "significant"
        // difference is a false positive. Seed noise (sd 0.08 of the hard-word skill, ≈ 1.9 points of accuracy)
        // dwarfs sentence noise (≈ 0.8 points), which is all the sentence bootstrap sees.
        const int studies = 200;
        var rng = new SplitMix64(2026);
        int welchHits = 0, hierarchicalHits = 0, sentenceHits = 0;
        for (var k = 0; k < studies; k++)
        {
            var a = System(rng, seeds);
            var b = System(rng, seeds);
            if (SeedAware.Welch(Accuracies(a), Accuracies(b)).PValue < 0.05) welchHits++;
            if (SeedAware.HierarchicalBootstrap(a, b, Words, resamples: 400, seed: (ulong)k).PValue < 0.05) hierarchicalHits++;
            if (PairedBootstrap.CompareSeeds(a, b, Words, resamples: 400, seed: (ulong)k).PValue < 0.05) sentenceHits++;
        }
        TestContext.Out.WriteLine($"{seeds} seeds a side, false positives at α = 0.05 over {studies} studies: Welch {welchHits}, hierarchical {hierarchicalHits}, sentences only {sentenceHits}");
        // Welch is exact-ish here: 10 expected, binomial sd ≈ 3.1; [2, 22] is about ±4 sd.
        Assert.That(welchHits, Is.InRange(2, 22));
        // The bootstrap's seed level is a little narrow with 5 seeds ((n−1)/n of the variance), so allow up to ~2α.
        Assert.That(hierarchicalHits, Is.InRange(2, 40));
        Assert.That(sentenceHits, Is.GreaterThan(studies / 2), "the sentence bootstrap should mistake seed noise for an effect");
    }

    [Test]
    public void One_seed_cannot_give_a_seed_aware_interval()
    {
        var rng = new SplitMix64(5);
        var one = System(rng, seeds: 1);
        var three = System(rng, seeds: 3);
        var boot = SeedAware.HierarchicalBootstrap(one, three, Words);
        Assert.That(boot.Computable, Is.False);
        Assert.That(boot.Reason, Does.Contain("n=1"));
        Assert.That(double.IsNaN(boot.Lower), Is.True);
        var welch = SeedAware.Welch(Accuracies(three), Accuracies(one));
        Assert.That(welch.Computable, Is.False);
        var json = Invariant.ToJson(boot.ToJson());
        Assert.That(JsonNode.Parse(json)!["computable"]!.GetValue<bool>(), Is.False);
        Assert.That(json, Does.Contain("n=1").And.Not.Contain("ci_low"));
    }

    [Test]
    public void The_bootstrap_is_deterministic_for_its_seed()
    {
        var rng = new SplitMix64(6);
        var a = System(rng, seeds: 3);
        var b = System(rng, seeds: 3, shift: 1);
        var first = SeedAware.HierarchicalBootstrap(a, b, Words, resamples: 500, seed: 42);
        Assert.That(SeedAware.HierarchicalBootstrap(a, b, Words, resamples: 500, seed: 42), Is.EqualTo(first));
        var other = SeedAware.HierarchicalBootstrap(a, b, Words, resamples: 500, seed: 43);
        Assert.That(other.Difference, Is.EqualTo(first.Difference));
        Assert.That((other.Lower, other.Upper), Is.Not.EqualTo((first.Lower, first.Upper)));
        var json = JsonNode.Parse(Invariant.ToJson(first.ToJson()))!;
        Assert.That(json["seed"]!.GetValue<string>(), Is.EqualTo("42"));
        Assert.That(json["resamples"]!.GetValue<int>(), Is.EqualTo(500));
    }

    [Test]
    public void Bad_inputs_are_refused()
    {
        IReadOnlyList<int>[] two = [new[] { 1, 2 }, new[] { 2, 2 }];
        IReadOnlyList<int>[] shortRun = [new[] { 1 }, new[] { 2 }];
        IReadOnlyList<int>[] tooMany = [new[] { 5, 2 }, new[] { 2, 2 }];
        int[] words = [2, 3];
        Assert.That(() => SeedAware.HierarchicalBootstrap(two, shortRun, words), Throws.ArgumentException.With.Message.Contains("1 sentences, expected 2"));
        Assert.That(() => SeedAware.HierarchicalBootstrap(tooMany, two, words), Throws.ArgumentException.With.Message.Contains("within 0..2"));
        Assert.That(() => SeedAware.HierarchicalBootstrap([], two, words), Throws.ArgumentException);
        Assert.That(() => SeedAware.HierarchicalBootstrap(two, two, words, resamples: 0), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    // Cohen's d = Δ/σ with equal σ: the textbook two-sample t-test sample sizes per group at α = 0.05, power 0.8.
    [TestCase(1.0, 17)]
    [TestCase(0.8, 26)]
    [TestCase(0.5, 64)]
    public void Seeds_needed_match_the_textbook_sample_sizes(double d, int expected)
    {
        Assert.That(SeedAware.SeedsNeeded(d * 0.003, 0.003, 0.003), Is.EqualTo(expected));
        Assert.That(SeedAware.SeedsNeeded(-d * 0.003, 0.003, 0.003), Is.EqualTo(expected), "the sign does not matter");
    }

    [Test]
    public void Seeds_needed_at_the_edges()
    {
        Assert.That(SeedAware.SeedsNeeded(0, 0.01, 0.01), Is.Null, "nothing to detect");
        Assert.That(SeedAware.SeedsNeeded(0.001, 0, 0), Is.EqualTo(2), "no spread: the fewest a t-test takes");
        Assert.That(SeedAware.SeedsNeeded(1e-6, 0.01, 0.01, cap: 1000), Is.Null, "beyond the cap");
        // A larger spread or a smaller effect never needs fewer seeds.
        Assert.That(SeedAware.SeedsNeeded(0.001, 0.0006, 0.0003), Is.GreaterThanOrEqualTo(SeedAware.SeedsNeeded(0.001, 0.0003, 0.0003)!.Value));
    }
}
