using POSLayerFreeze.Data;
using POSLayerFreeze.Tokenization;

namespace POSLayerFreeze.Tests.Tokenization;

[TestFixture]
public class BatchingTests
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

    private static int[] Lengths(int n, ulong seed)
    {
        var rng = new SplitMix64(seed);
        return [.. Enumerable.Range(0, n).Select(_ => 3 + rng.NextInt(120))];
    }

    [Test]
    public void BatchesCoverEveryItemOnceAndAreReproducible()
    {
        var lengths = Lengths(2345, 7);
        var first = LengthGroupedBatcher.Batches(lengths, 32, seed: 13, epoch: 0);
        var again = LengthGroupedBatcher.Batches(lengths, 32, seed: 13, epoch: 0);
        var nextEpoch = LengthGroupedBatcher.Batches(lengths, 32, seed: 13, epoch: 1);
        var otherSeed = LengthGroupedBatcher.Batches(lengths, 32, seed: 14, epoch: 0);

        Assert.That(first.SelectMany(b => b).Order(), Is.EqualTo(Enumerable.Range(0, lengths.Length)));
        Assert.That(first.Count(b => b.Length < 32), Is.LessThanOrEqualTo(2), "only chunk ends are short");
        Assert.That(again, Is.EqualTo(first));
        Assert.That(nextEpoch, Is.Not.EqualTo(first));
        Assert.That(otherSeed, Is.Not.EqualTo(first));
    }

    [Test]
    public void BatchesGroupSimilarLengthsAndSavePadding()
    {
        var lengths = Lengths(4000, 3);
        static long Padded(int[][] batches, int[] lengths) => batches.Sum(b => (long)b.Length * b.Max(i => lengths[i]));
        var grouped = LengthGroupedBatcher.Batches(lengths, 32, seed: 5, epoch: 0);
        var order = Enumerable.Range(0, lengths.Length).ToArray();
        new SplitMix64(5).Shuffle(order);
        var random = order.Chunk(32).ToArray();
        Assert.That(Padded(grouped, lengths), Is.LessThan(Padded(random, lengths) * 0.6));
    }

    [Test]
    public void SequentialBatchesAreSortedAndDeterministic()
    {
        var batches = LengthGroupedBatcher.Sequential(Seq(5, 9, 2, 9, 7), 2);
        Assert.That(batches, Is.EqualTo(Seq(Seq(1, 3), Seq(4, 0), Seq(2))));
    }

    [Test]
    public void PadFillsToTheLongestWindowWithPadMaskAndIgnoredLabels()
    {
        var windows = new List<SentenceWindow>
        {
            new([101, 7, 8, 102], [-100, 3, 4, -100], [-1, 0, 1, -1], 0, 2),
            new([101, 9, 102], [-100, 5, -100], [-1, 0, -1], 0, 1),
        };
        var batch = LengthGroupedBatcher.Pad(windows, [1, 0], padId: 0);
        Assert.That((batch.BatchSize, batch.Length), Is.EqualTo((2, 4)));
        Assert.That(batch.InputIds, Is.EqualTo(Seq(101L, 9, 102, 0, 101, 7, 8, 102)));
        Assert.That(batch.AttentionMask, Is.EqualTo(Seq(1L, 1, 1, 0, 1, 1, 1, 1)));
        Assert.That(batch.Labels, Is.EqualTo(Seq(-100L, 5, -100, Upos.IgnoreIndex, -100, 3, 4, -100)));
    }
}
