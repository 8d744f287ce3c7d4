using POSLayerFreeze.Training;

namespace POSLayerFreeze.Tests.Training;

/// <summary>
/// MicroBatches.Split's argument checks, its "no positive overhead means one bucket" rule, and the exact buckets on
/// hand-worked cases: their order (longest first, which fixes the order gradients are accumulated in) and the tie
/// rule (on equal cost the first cut found, i.e. the larger last bucket, wins). BucketedBackwardTests checks only that the
/// cost is minimal, which every tie-break and every bucket order satisfies.
/// </summary>
[TestFixture]
public sealed class MicroBatchesTests
{
    [Test]
    public void NamesTheBadArgument()
    {
        Assert.That(() => MicroBatches.Split(null!, [1], 4),
            Throws.TypeOf<ArgumentNullException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo("batch"));
        // Refused even where the lengths would not be read (one bucket).
        Assert.That(() => MicroBatches.Split([0], null!, null),
            Throws.TypeOf<ArgumentNullException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo("lengths"));
        Assert.That(() => MicroBatches.Split([], [1], 4),
            Throws.TypeOf<ArgumentException>().With.Message.EqualTo("a batch needs at least one window (Parameter 'batch')")
                .And.Property(nameof(ArgumentException.ParamName)).EqualTo("batch"));
    }

    [TestCase(0)]
    [TestCase(-5)]
    public void ANonPositiveOverheadKeepsThePaddedBatchInItsOwnOrder(int overhead)
    {
        int[] lengths = [1, 9, 2, 5];
        Assert.That(MicroBatches.Split([3, 1, 2], lengths, overhead), Is.EqualTo(new[] { new[] { 3, 1, 2 } }));
    }

    [Test]
    public void BucketsComeLongestFirst()
    {
        // Longest first: 2, 3 (10 each), then 0, 1 (2 each). Overhead 1: one bucket 4·10 + 1 = 41, singletons
        // 24 + 4 = 28, two buckets 2·10 + 1 + 2·2 + 1 = 26, the cheapest.
        int[] lengths = [2, 2, 10, 10];
        Assert.That(MicroBatches.Split([0, 1, 2, 3], lengths, 1), Is.EqualTo(new[] { new[] { 2, 3 }, new[] { 0, 1 } }));
    }

    [Test]
    public void OnATieTheLargerLastBucketWins()
    {
        // Lengths 6 and 2, overhead 4: one bucket 2·6 + 4 = 16 = two buckets (6 + 4) + (2 + 4).
        int[] lengths = [6, 2];
        Assert.That(MicroBatches.Split([0, 1], lengths, 4), Is.EqualTo(new[] { new[] { 0, 1 } }));
        // One more token of overhead and one bucket is strictly cheaper; one less and two are.
        Assert.That(MicroBatches.Split([0, 1], lengths, 5), Is.EqualTo(new[] { new[] { 0, 1 } }));
        Assert.That(MicroBatches.Split([0, 1], lengths, 3), Is.EqualTo(new[] { new[] { 0 }, new[] { 1 } }));
    }
}
