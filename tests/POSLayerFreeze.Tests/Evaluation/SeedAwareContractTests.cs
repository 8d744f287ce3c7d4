using POSLayerFreeze.Evaluation;

namespace POSLayerFreeze.Tests.Evaluation;

/// <summary>
/// The seed-aware comparisons at their edges, written against Stryker's survivors of <c>SeedAware.cs</c>
/// (eng/stryker/README.md): the JSON keys word for word, every refusal by message and parameter, two seeds a side
/// (the fewest that are computable), the tie counting of the p-value on resamples whose δ* is exactly 0, a resample
/// of only empty sentences, and the power search at its boundaries (t-table values as the oracle).
/// </summary>
public sealed class SeedAwareContractTests
{
    [Test]
    public void TheJsonOfEachKindOfResultHasExactlyItsKeysInOrder()
    {
        var welch = new SeedAwareResult(SeedAware.WelchMethod, true, "", 0.01, -0.02, 0.04, 0.5, 3, 4) { T = 1.5, Df = 3.25 };
        Assert.That(welch.ToJson().ToJsonString(), Is.EqualTo(
            "{\"method\":\"welch-t\",\"computable\":true,\"seeds_a\":3,\"seeds_b\":4,\"difference\":0.01,\"ci_low\":-0.02,\"ci_high\":0.04,\"p_value\":0.5,\"t\":1.5,\"df\":3.25}"));
        var boot = new SeedAwareResult(SeedAware.HierarchicalMethod, true, "", 0.01, -0.02, 0.04, 0.5, 3, 4) { Resamples = 200, Seed = 7 };
        Assert.That(boot.ToJson().ToJsonString(), Is.EqualTo(
            "{\"method\":\"hierarchical-bootstrap\",\"computable\":true,\"seeds_a\":3,\"seeds_b\":4,\"difference\":0.01,\"ci_low\":-0.02,\"ci_high\":0.04,\"p_value\":0.5,\"resamples\":200,\"seed\":\"7\"}"));
        // a Welch result made by the method itself: no t/df when se = 0, and never resamples or a seed
        Assert.That(SeedAware.Welch([0.9, 0.9], [0.9, 0.9]).ToJson().ToJsonString(), Is.EqualTo(
            "{\"method\":\"welch-t\",\"computable\":true,\"seeds_a\":2,\"seeds_b\":2,\"difference\":0,\"ci_low\":0,\"ci_high\":0,\"p_value\":1}"));
        Assert.That(SeedAwareResult.NotComputable(SeedAware.WelchMethod, 3, 1).ToJson().ToJsonString(), Is.EqualTo(
            "{\"method\":\"welch-t\",\"computable\":false,\"seeds_a\":3,\"seeds_b\":1,\"reason\":\"cannot be computed: 1 seed on one side (n=1 measures no seed-to-seed spread)\"}"));
    }

    [Test]
    public void NotComputableNamesTheSmallerSide()
    {
        Assert.That(SeedAwareResult.NotComputable("m", 3, 1).Reason, Is.EqualTo("cannot be computed: 1 seed on one side (n=1 measures no seed-to-seed spread)"));
        Assert.That(SeedAwareResult.NotComputable("m", 1, 5).Reason, Is.EqualTo("cannot be computed: 1 seed on one side (n=1 measures no seed-to-seed spread)"));
        var r = SeedAwareResult.NotComputable("m", 1, 5);
        Assert.That((r.Method, r.Computable, r.SeedsA, r.SeedsB, double.IsNaN(r.PValue), double.IsNaN(r.Upper), double.IsNaN(r.Difference)),
            Is.EqualTo(("m", false, 1, 5, true, true, true)));
    }

    [Test]
    public void WelchWithoutSpreadIsStillAComputableResultWithNoReason()
    {
        var apart = SeedAware.Welch([0.9, 0.9, 0.9], [0.95, 0.95]);
        Assert.That((apart.Method, apart.Computable, apart.Reason, apart.SeedsA, apart.SeedsB, apart.PValue),
            Is.EqualTo((SeedAware.WelchMethod, true, "", 3, 2, 0.0)));
        var spread = SeedAware.Welch([1, 2, 3], [4, 5, 6]);
        Assert.That((spread.Computable, spread.Reason), Is.EqualTo((true, "")));
        Assert.That(Assert.Throws<ArgumentNullException>(() => SeedAware.Welch(null!, [1.0, 2.0]))!.ParamName, Is.EqualTo("a"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => SeedAware.Welch([1.0, 2.0], null!))!.ParamName, Is.EqualTo("b"));
    }

    [Test]
    public void HierarchicalRefusalsNameTheSideTheArgumentAndTheValue()
    {
        IReadOnlyList<int>[] two = [new[] { 1, 2 }, new[] { 2, 2 }];
        int[] words = [2, 3];
        string Refusal(TestDelegate call) => Assert.Throws<ArgumentException>(call)!.Message;
        Assert.That(Assert.Throws<ArgumentNullException>(() => SeedAware.HierarchicalBootstrap(null!, two, words))!.ParamName, Is.EqualTo("aBySeed"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => SeedAware.HierarchicalBootstrap(two, null!, words))!.ParamName, Is.EqualTo("bBySeed"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => SeedAware.HierarchicalBootstrap(two, two, null!))!.ParamName, Is.EqualTo("words"));
        Assert.That(Refusal(() => SeedAware.HierarchicalBootstrap([], two, words)), Is.EqualTo("Side A has no seeds. (Parameter 'aBySeed')"));
        Assert.That(Refusal(() => SeedAware.HierarchicalBootstrap(two, [], words)), Is.EqualTo("Side B has no seeds. (Parameter 'bBySeed')"));
        Assert.That(Refusal(() => SeedAware.HierarchicalBootstrap([new[] { 1 }, new[] { 1, 1 }], two, words)),
            Is.EqualTo("A seed of side A has 1 sentences, expected 2. (Parameter 'aBySeed')"));
        Assert.That(Refusal(() => SeedAware.HierarchicalBootstrap(two, [new[] { 1, 1 }, new[] { 1, 1, 1 }], words)),
            Is.EqualTo("A seed of side B has 3 sentences, expected 2. (Parameter 'bBySeed')"));
        Assert.That(Refusal(() => SeedAware.HierarchicalBootstrap(two, [new[] { 1, 1 }, new[] { 1, 4 }], words)),
            Is.EqualTo("Side B, seed 1, sentence 1: 4 correct must lie within 0..3 words. (Parameter 'bBySeed')"));
        Assert.That(Refusal(() => SeedAware.HierarchicalBootstrap([new[] { -1, 1 }, new[] { 1, 1 }], two, words)),
            Is.EqualTo("Side A, seed 0, sentence 0: -1 correct must lie within 0..2 words. (Parameter 'aBySeed')"));
        // no sentences: refused as such, not as "no words" (two seeds a side of empty runs would reach that check)
        IReadOnlyList<int>[] empty = [Array.Empty<int>(), Array.Empty<int>()];
        Assert.That(Refusal(() => SeedAware.HierarchicalBootstrap(empty, empty, [])),
            Is.EqualTo("The bootstrap needs at least one sentence. (Parameter 'words')"));
        IReadOnlyList<int>[] zeros = [new[] { 0, 0 }, new[] { 0, 0 }];
        Assert.That(Refusal(() => SeedAware.HierarchicalBootstrap(zeros, zeros, [0, 0])),
            Is.EqualTo("The sentences hold no words. (Parameter 'words')"));
        // one seed on a side is not a refusal but a result that says why it has no numbers
        Assert.That(SeedAware.HierarchicalBootstrap([new[] { 1, 1 }], two, words).Reason,
            Is.EqualTo("cannot be computed: 1 seed on one side (n=1 measures no seed-to-seed spread)"));
    }

    private static IReadOnlyList<int>[] Seeds(int count, int[] run) => Enumerable.Repeat((IReadOnlyList<int>)run, count).ToArray();

    // B better on sentence 0 only: δ* ≥ 0, exactly 0 whenever sentence 0 is not drawn ((2/3)³ ≈ 30% of resamples).
    // p = 2·min(#(δ* ≤ 0), #(δ* ≥ 0)) / R = 2·#(δ* = 0) / R: the ties count on both sides.
    [TestCase(new[] { 3, 2, 2 }, TestName = "Ties_count_on_both_sides_when_B_is_better")]
    // the mirror: B worse on sentence 0 only, δ* ≤ 0, and the same zeros count on the other side
    [TestCase(new[] { 1, 2, 2 }, TestName = "Ties_count_on_both_sides_when_B_is_worse")]
    public void TiesOfTheHierarchicalBootstrap(int[] b)
    {
        int[] a = [2, 2, 2], words = [4, 4, 4];
        const int resamples = 1000;
        const ulong seed = 11;
        var result = SeedAware.HierarchicalBootstrap(Seeds(2, a), Seeds(2, b), words, resamples, seed);
        var deltas = BootstrapReplay.Deltas(a, b, words, resamples, seed, seedsA: 2, seedsB: 2);
        var zeros = deltas.Count(d => d == 0);
        Assert.That(zeros, Is.InRange(240, 360), "about (2/3)³ of the resamples miss sentence 0");
        Assert.That(deltas.Count(d => d != 0), Is.GreaterThan(resamples / 2), "the rest lie on one side of 0");
        // two seeds a side are enough (the fewest that measure a spread)
        Assert.That((result.Computable, result.Reason, result.SeedsA, result.SeedsB), Is.EqualTo((true, "", 2, 2)));
        Assert.That(result.Difference, Is.EqualTo((b.Sum() - a.Sum()) / 12.0).Within(1e-15));
        Assert.That(result.PValue, Is.EqualTo(2.0 * zeros / resamples));
        Assert.That(result.Lower, Is.EqualTo(BootstrapReplay.Percentile(deltas, 0.025)));
        Assert.That(result.Upper, Is.EqualTo(BootstrapReplay.Percentile(deltas, 0.975)));
        Assert.That(b[0] > a[0] ? result.Lower : result.Upper, Is.Zero, "the zeros reach the interval's end on their side");
    }

    [Test]
    public void EqualRunsOnBothSidesGiveOnlyZerosAndPOne()
    {
        // 4 and 2 seeds: the seed weights are multiples of 1/4 and 1/2, exact, so every δ* is exactly 0 (with 3 seeds
        // thirds would round and leave δ* of ±1e-17)
        int[] run = [1, 3, 0, 2];
        var result = SeedAware.HierarchicalBootstrap(Seeds(4, run), Seeds(2, run), [2, 3, 1, 2], resamples: 300, seed: 5);
        Assert.That((result.Difference, result.Lower, result.Upper, result.PValue), Is.EqualTo((0.0, 0.0, 0.0, 1.0)));
    }

    [Test]
    public void AResampleOfOnlyEmptySentencesCountsAsNoDifference()
    {
        // sentence 0 has no words (and 0 correct, which is allowed); a quarter of the resamples draw it twice: δ* = 0,
        // never 0/0 = NaN, which would count on neither side and poison the percentiles
        int[] a = [0, 1], b = [0, 3], words = [0, 4];
        const int resamples = 800;
        var result = SeedAware.HierarchicalBootstrap(Seeds(2, a), Seeds(2, b), words, resamples, seed: 3);
        var deltas = BootstrapReplay.Deltas(a, b, words, resamples, 3, seedsA: 2, seedsB: 2);
        var zeros = deltas.Count(d => d == 0);
        Assert.That(zeros, Is.InRange(150, 250));
        Assert.That(deltas.Where(d => d != 0).Distinct(), Is.EqualTo(new[] { 0.5 }));
        Assert.That(result.PValue, Is.EqualTo(2.0 * zeros / resamples));
        Assert.That((result.Lower, result.Upper), Is.EqualTo((0.0, 0.5)));
        Assert.That(result.Difference, Is.EqualTo(0.5));
    }

    [TestCase(double.NaN, 0.01, 0.01, "difference", "Power needs a finite Δ.")]
    [TestCase(double.PositiveInfinity, 0.01, 0.01, "difference", "Power needs a finite Δ.")]
    [TestCase(0.001, -0.01, 0.01, "sdA", "A per-seed sd must be finite and ≥ 0.")]
    [TestCase(0.001, double.NaN, 0.01, "sdA", "A per-seed sd must be finite and ≥ 0.")]
    [TestCase(0.001, double.PositiveInfinity, 0.01, "sdA", "A per-seed sd must be finite and ≥ 0.")]
    [TestCase(0.001, 0.01, -0.01, "sdB", "A per-seed sd must be finite and ≥ 0.")]
    [TestCase(0.001, 0.01, double.NaN, "sdB", "A per-seed sd must be finite and ≥ 0.")]
    [TestCase(0.001, 0.01, double.PositiveInfinity, "sdB", "A per-seed sd must be finite and ≥ 0.")]
    public void SeedsNeededRefusesEachBadSpreadOrEffectByName(double difference, double sdA, double sdB, string parameter, string message)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => SeedAware.SeedsNeeded(difference, sdA, sdB));
        Assert.That(error!.ParamName, Is.EqualTo(parameter));
        Assert.That(error.Message, Does.StartWith($"{message} (Parameter '{parameter}')"));
    }

    [TestCase(0.0, 0.8, "alpha", "α lies in (0, 1).")]
    [TestCase(1.0, 0.8, "alpha", "α lies in (0, 1).")]
    [TestCase(-0.05, 0.8, "alpha", "α lies in (0, 1).")]
    [TestCase(double.NaN, 0.8, "alpha", "α lies in (0, 1).")]
    [TestCase(0.05, 0.0, "power", "Power lies in (0, 1).")]
    [TestCase(0.05, 1.0, "power", "Power lies in (0, 1).")]
    [TestCase(0.05, 1.5, "power", "Power lies in (0, 1).")]
    [TestCase(0.05, double.NaN, "power", "Power lies in (0, 1).")]
    public void SeedsNeededRefusesALevelOrPowerOutsideTheOpenUnitInterval(double alpha, double power, string parameter, string message)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => SeedAware.SeedsNeeded(0.003, 0.003, 0.003, alpha, power));
        Assert.That(error!.ParamName, Is.EqualTo(parameter));
        Assert.That(error.Message, Does.StartWith($"{message} (Parameter '{parameter}')"));
    }

    [Test]
    public void SeedsNeededAtItsBoundaries()
    {
        // Cohen's d = 1 needs 17 a side (the textbook value, see SeedAwareTests): a cap of exactly 17 still finds it
        Assert.That(SeedAware.SeedsNeeded(0.003, 0.003, 0.003, cap: 17), Is.EqualTo(17));
        Assert.That(SeedAware.SeedsNeeded(0.003, 0.003, 0.003, cap: 16), Is.Null);
        // Few seeds, where the df matter most (σ = 1 a side, df = 2(n − 1); t-table values):
        // n = 2: df 2, t.975 + t.80 = 4.303 + 1.061 = 5.364 > 4/√(2/2) = 4;
        // n = 3: df 4, 2.776 + 0.941 = 3.717 ≤ 4/√(2/3) = 4.899 → 3 (with df = 2(n + 1) n = 2 would pass: 3.353 ≤ 4)
        Assert.That(SeedAware.SeedsNeeded(4, 1, 1), Is.EqualTo(3));
        // n = 3: 3.717 > 2.5/√(2/3) = 3.062; n = 4: df 6, 2.447 + 0.906 = 3.353 ≤ 2.5/√(2/4) = 3.536 → 4
        Assert.That(SeedAware.SeedsNeeded(2.5, 1, 1), Is.EqualTo(4));
        Assert.That(SeedAware.SeedsNeeded(6, 1, 1), Is.EqualTo(2));
        // "the smallest n with |Δ|/√((sd²_A + sd²_B)/n) ≥ needed": at exactly the needed ratio n = 2 suffices
        // (σ = 1 a side and n = 2 make the denominator √1 = 1 and df = 2 exactly, so Δ is the ratio itself)
        var needed = StudentT.Quantile(1 - 0.05 / 2, 2) + StudentT.Quantile(0.8, 2);
        Assert.That(needed, Is.EqualTo(4.302653 + 1.060660).Within(1e-5));
        Assert.That(SeedAware.SeedsNeeded(needed, 1, 1), Is.EqualTo(2));
        Assert.That(SeedAware.SeedsNeeded(Math.BitDecrement(needed), 1, 1), Is.EqualTo(3));
    }
}
