using System.Text.Json.Nodes;
using POSLayerFreeze.Evaluation;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Tests.Evaluation;

public sealed class PairedBootstrapTests
{
    [Test]
    public void DifferenceIsMicroAccuracyOfBMinusA()
    {
        // words 2+4+5 = 11; A correct 1+2+3 = 6, B correct 2+2+4 = 8 → (8 − 6) / 11 = 2/11
        int[] a = [1, 2, 3], b = [2, 2, 4], words = [2, 4, 5];
        var r = PairedBootstrap.Compare(a, b, words, resamples: 200, seed: 1);
        Assert.That(r.Difference, Is.EqualTo(2.0 / 11).Within(1e-15));
        Assert.That(r.Words, Is.EqualTo(11));
        Assert.That(r.Sentences, Is.EqualTo(3));
    }

    [Test]
    public void IdenticalSystemsGiveZeroIntervalAndPOne()
    {
        int[] correct = [3, 4, 5, 1], words = [5, 5, 5, 5];
        var r = PairedBootstrap.Compare(correct, correct, words, resamples: 500, seed: 7);
        Assert.That(r.Difference, Is.Zero);
        Assert.That(r.Lower, Is.Zero);
        Assert.That(r.Upper, Is.Zero);
        // every δ* is 0, so P(δ* ≤ 0) = P(δ* ≥ 0) = 1 → p = min(1, 2·1) = 1
        Assert.That(r.PValue, Is.EqualTo(1.0));
    }

    [Test]
    public void BBetterOnEverySentenceNeverFlipsSign()
    {
        var words = Enumerable.Repeat(10, 50).ToArray();
        var a = Enumerable.Repeat(7, 50).ToArray();
        var b = Enumerable.Range(0, 50).Select(i => 8 + (i % 2)).ToArray();
        var r = PairedBootstrap.Compare(a, b, words, resamples: 2000, seed: 3);
        // δ = (25·1 + 25·2) / 500 = 0.15; every resample gains between 0.1 and 0.2
        Assert.That(r.Difference, Is.EqualTo(0.15).Within(1e-15));
        Assert.That(r.PValue, Is.Zero);
        Assert.That(r.Lower, Is.GreaterThan(0.1).And.LessThan(0.15));
        Assert.That(r.Upper, Is.GreaterThan(0.15).And.LessThan(0.2));
    }

    [Test]
    public void BalancedGainsAndLossesAreNotSignificant()
    {
        var words = Enumerable.Repeat(10, 100).ToArray();
        var a = Enumerable.Repeat(8, 100).ToArray();
        var b = Enumerable.Range(0, 100).Select(i => i % 2 == 0 ? 9 : 7).ToArray();
        var r = PairedBootstrap.Compare(a, b, words, resamples: 4000, seed: 11);
        Assert.That(r.Difference, Is.Zero);
        Assert.That(r.Lower, Is.LessThan(0));
        Assert.That(r.Upper, Is.GreaterThan(0));
        Assert.That(r.PValue, Is.GreaterThan(0.5));
    }

    [Test]
    public void SameSeedSameResultOtherSeedOtherInterval()
    {
        var words = Enumerable.Range(0, 40).Select(i => 5 + (i % 7)).ToArray();
        var a = words.Select((w, i) => w - (i % 3)).ToArray();
        var b = words.Select((w, i) => w - (i % 2)).ToArray();
        var first = PairedBootstrap.Compare(a, b, words, resamples: 1000, seed: 42);
        var again = PairedBootstrap.Compare(a, b, words, resamples: 1000, seed: 42);
        var other = PairedBootstrap.Compare(a, b, words, resamples: 1000, seed: 43);
        Assert.That(again, Is.EqualTo(first));
        Assert.That((other.Lower, other.Upper), Is.Not.EqualTo((first.Lower, first.Upper)));
        Assert.That(other.Difference, Is.EqualTo(first.Difference));
    }

    [Test]
    public void SeedsAreAveragedPerSentenceBeforeResampling()
    {
        // baseline seeds [1,1] and [1,3] → mean [1,2]; config seed [2,3]; words [2,4]
        // δ = ((2−1) + (3−2)) / 6 = 1/3
        IReadOnlyList<int>[] baseline = [new[] { 1, 1 }, new[] { 1, 3 }];
        IReadOnlyList<int>[] config = [new[] { 2, 3 }];
        int[] words = [2, 4];
        double[] baselineMean = [1, 2], configMean = [2, 3];
        var bySeeds = PairedBootstrap.CompareSeeds(baseline, config, words, resamples: 300, seed: 5);
        var byMeans = PairedBootstrap.Compare(baselineMean, configMean, words, resamples: 300, seed: 5);
        Assert.That(bySeeds.Difference, Is.EqualTo(1.0 / 3).Within(1e-15));
        Assert.That(bySeeds, Is.EqualTo(byMeans));
    }

    [Test]
    public void BadInputsAreRejected()
    {
        int[] one = [1], three = [3], two = [2], pair = [1, 2], twos = [2, 2], none = [];
        var lengths = Assert.Throws<ArgumentException>(() => PairedBootstrap.Compare(one, pair, twos));
        Assert.That(lengths!.Message, Does.Contain("A 1, B 2, words 2"));
        // 3 correct of 2 words is impossible
        Assert.Throws<ArgumentException>(() => PairedBootstrap.Compare(three, one, two));
        Assert.Throws<ArgumentException>(() => PairedBootstrap.Compare(none, none, none));
        Assert.Throws<ArgumentOutOfRangeException>(() => PairedBootstrap.Compare(one, one, two, resamples: 0));
        IReadOnlyList<int>[] shortSeed = [one];
        IReadOnlyList<int>[] fullSeed = [pair];
        Assert.Throws<ArgumentException>(() => PairedBootstrap.CompareSeeds(shortSeed, fullSeed, twos));
    }

    [Test]
    public void PercentileInterpolatesLinearly()
    {
        double[] sorted = [0, 1, 2, 3, 4];
        // position q·(n−1): 0.025·4 = 0.1 → 0.1; 0.975·4 = 3.9 → 3.9; 0.5·4 = 2 → 2
        Assert.That(PairedBootstrap.Percentile(sorted, 0.025), Is.EqualTo(0.1).Within(1e-12));
        Assert.That(PairedBootstrap.Percentile(sorted, 0.975), Is.EqualTo(3.9).Within(1e-12));
        Assert.That(PairedBootstrap.Percentile(sorted, 0.5), Is.EqualTo(2));
    }

    [Test]
    public void JsonRoundTrips()
    {
        int[] a = [1, 2, 3], b = [2, 2, 4], words = [2, 4, 5];
        var r = PairedBootstrap.Compare(a, b, words, resamples: 100, seed: ulong.MaxValue);
        var text = Invariant.ToJson(r.ToJson());
        Assert.That(text, Does.Contain("\"seed\": \"18446744073709551615\""));
        Assert.That(BootstrapResult.FromJson(JsonNode.Parse(text)!), Is.EqualTo(r));
    }
}
