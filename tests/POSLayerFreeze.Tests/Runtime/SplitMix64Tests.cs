using POSLayerFreeze.Data;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tokenization;

namespace POSLayerFreeze.Tests.Runtime;

[TestFixture]
public class SplitMix64Tests
{
    private static T[] Seq<T>(params T[] items) => items;

    [Test]
    public void SplitMix64MatchesTheReferenceSequence()
    {
        // First outputs of SplitMix64 seeded with 0, as published with the algorithm.
        var rng = new SplitMix64(0);
        Assert.That(Seq(rng.NextUInt64(), rng.NextUInt64(), rng.NextUInt64()),
            Is.EqualTo(Seq(0xE220A8397B1DCDAFUL, 0x6E789E6AA1B965F4UL, 0x06C45D188009454FUL)));
    }

    [Test]
    public void NextIntStaysInRangeAndCoversIt()
    {
        var rng = new SplitMix64(42);
        var seen = new int[7];
        for (int i = 0; i < 7000; i++) seen[rng.NextInt(7)]++;
        Assert.That(seen, Is.All.InRange(850, 1150));
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.NextInt(0));
    }

    [Test]
    public void ShuffleIsAPermutationAndSeedDependent()
    {
        var a = Enumerable.Range(0, 100).ToArray();
        var b = Enumerable.Range(0, 100).ToArray();
        new SplitMix64(1).Shuffle(a);
        new SplitMix64(2).Shuffle(b);
        Assert.That(a.Order(), Is.EqualTo(Enumerable.Range(0, 100)));
        Assert.That(a, Is.Not.EqualTo(b));
        Assert.That(a, Is.Not.EqualTo(Enumerable.Range(0, 100)));
    }
}
