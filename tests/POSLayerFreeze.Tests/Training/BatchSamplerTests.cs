using POSLayerFreeze.Data;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tokenization;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Tests.Training;

[TestFixture]
public class BatchSamplerTests
{
    private static T[] Seq<T>(params T[] items) => items;

    private static int[] Lengths(int n, ulong seed)
    {
        var rng = new SplitMix64(seed);
        return [.. Enumerable.Range(0, n).Select(_ => 3 + rng.NextInt(120))];
    }

    [TestCase(BatchOrder.Random)]
    [TestCase(BatchOrder.GroupByLength)]
    public void EveryEpochCoversEveryWindowOnceAndIsReproducible(BatchOrder order)
    {
        var lengths = Lengths(2345, 7);
        var first = BatchSampler.Batches(lengths, 32, order, seed: 13, epoch: 0);
        Assert.That(first.SelectMany(b => b).Order(), Is.EqualTo(Enumerable.Range(0, lengths.Length)));
        Assert.That(first.Take(first.Length - 1).All(b => b.Length == 32), Is.True, "only the last batch may be partial");
        Assert.That(first[^1], Has.Length.EqualTo(2345 % 32));
        Assert.That(BatchSampler.Batches(lengths, 32, order, seed: 13, epoch: 0), Is.EqualTo(first));
        Assert.That(BatchSampler.Batches(lengths, 32, order, seed: 13, epoch: 1), Is.Not.EqualTo(first));
        Assert.That(BatchSampler.Batches(lengths, 32, order, seed: 14, epoch: 0), Is.Not.EqualTo(first));
    }

    [Test]
    public void RandomOrderIsTheEpochPermutationCutIntoConsecutiveBatches()
    {
        var lengths = Lengths(100, 1);
        var permutation = BatchSampler.Permutation(100, seed: 42, epoch: 2);
        Assert.That(BatchSampler.Batches(lengths, 32, BatchOrder.Random, 42, 2), Is.EqualTo(permutation.Chunk(32).ToArray()));
        Assert.That(permutation, Is.Not.EqualTo(Enumerable.Range(0, 100)));
    }

    [Test]
    public void GroupByLengthFollowsHuggingFaceRulesOnAHandWorkedExample()
    {
        // 16 items, batch 2: multiplier min(16 / 8, 50) = 2, mega-batches of 4 taken from the permutation (identity
        // here), each sorted longest first with ties in permutation order; the longest item (9, first in mega-batch 1)
        // swaps with the first item of mega-batch 0.
        int[] lengths = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3];
        var grouped = BatchSampler.GroupByLength(Enumerable.Range(0, 16).ToArray(), lengths, batchSize: 2);
        Assert.That(grouped, Is.EqualTo(Seq(5, 0, 1, 3, 2, 7, 4, 6, 11, 8, 10, 9, 12, 14, 13, 15)));
    }

    [Test]
    public void GroupByLengthSortsMegaBatchesOfAtMostFiftyBatchesAndPutsTheLongestFirst()
    {
        var lengths = Lengths(10_000, 3);
        var permutation = BatchSampler.Permutation(lengths.Length, 5, 0);
        var grouped = BatchSampler.GroupByLength(permutation, lengths, batchSize: 32);
        Assert.That(grouped.Order(), Is.EqualTo(Enumerable.Range(0, lengths.Length)));
        Assert.That(lengths[grouped[0]], Is.EqualTo(lengths.Max()));
        const int mega = 50 * 32;   // min(10,000 / 128, 50) = 50 batches per mega-batch
        for (var start = 0; start < grouped.Length; start += mega)
        {
            var block = grouped.Skip(start).Take(mega).ToArray();
            // The same items as the permutation's block (apart from the one swapped-in longest item) ...
            var expected = permutation.Skip(start).Take(mega).ToHashSet();
            Assert.That(block.Count(expected.Contains), Is.GreaterThanOrEqualTo(block.Length - 1), $"mega-batch at {start}");
            // ... sorted longest first, the swapped first element aside.
            var rest = block.Skip(1).Select(i => lengths[i]).ToArray();
            Assert.That(rest, Is.Ordered.Descending, $"mega-batch at {start}");
        }
    }

    [Test]
    public void TinyDatasetsUseAMultiplierOfOne()
    {
        int[] lengths = [2, 8, 5];
        Assert.That(BatchSampler.GroupByLength([0, 1, 2], lengths, batchSize: 2), Is.EqualTo(Seq(1, 0, 2)));
    }

    [Test]
    public void GroupByLengthSavesPaddingOverRandom()
    {
        var lengths = Lengths(4000, 3);
        static long Padded(int[][] batches, int[] lengths) => batches.Sum(b => (long)b.Length * b.Max(i => lengths[i]));
        var grouped = BatchSampler.Batches(lengths, 32, BatchOrder.GroupByLength, seed: 5, epoch: 0);
        var random = BatchSampler.Batches(lengths, 32, BatchOrder.Random, seed: 5, epoch: 0);
        Assert.That(Padded(grouped, lengths), Is.LessThan(Padded(random, lengths) * 0.6));
    }

    [Test]
    public void OrderNamesRoundTrip()
    {
        foreach (var order in Enum.GetValues<BatchOrder>())
            Assert.That(BatchSampler.Parse(BatchSampler.Name(order)), Is.EqualTo(order));
        Assert.That(BatchSampler.Parse("sorted"), Is.Null);
    }

    [Test]
    public void LongestFirstBatchesAreSortedAndDeterministic()
    {
        var batches = BatchSampler.LongestFirst(Seq(5, 9, 2, 9, 7), 2);
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
        var batch = PaddedBatch.Of(windows, [1, 0], padId: 0);
        Assert.That((batch.BatchSize, batch.Length), Is.EqualTo((2, 4)));
        Assert.That(batch.InputIds, Is.EqualTo(Seq(101L, 9, 102, 0, 101, 7, 8, 102)));
        Assert.That(batch.AttentionMask, Is.EqualTo(Seq(1L, 1, 1, 0, 1, 1, 1, 1)));
        Assert.That(batch.Labels, Is.EqualTo(Seq(-100L, 5, -100, Upos.IgnoreIndex, -100, 3, 4, -100)));
    }
}
