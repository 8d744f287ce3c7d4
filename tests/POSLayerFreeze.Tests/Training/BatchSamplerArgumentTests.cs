using NUnit.Framework.Constraints;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Tests.Training;

/// <summary>
/// BatchSampler's argument checks. Without them a null or a zero batch size fails later with another exception type
/// (NullReferenceException, DivideByZeroException, OverflowException) that names no argument, and a negative epoch
/// silently gives epoch −1's stream (seed ^ 0, the bare seed) instead of being refused.
/// </summary>
[TestFixture]
public sealed class BatchSamplerArgumentTests
{
    private static IResolveConstraint NullArgument(string name) =>
        Throws.TypeOf<ArgumentNullException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo(name);

    private static IResolveConstraint OutOfRange(string name, object actual) =>
        Throws.TypeOf<ArgumentOutOfRangeException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo(name)
            .And.Property(nameof(ArgumentOutOfRangeException.ActualValue)).EqualTo(actual);

    [TestCase(BatchOrder.Random)]
    [TestCase(BatchOrder.GroupByLength)]
    public void BatchesNamesTheBadArgument(BatchOrder order)
    {
        int[] lengths = [4, 2, 7];
        Assert.That(() => BatchSampler.Batches(null!, 2, order, seed: 1, epoch: 0), NullArgument("lengths"));
        Assert.That(() => BatchSampler.Batches(lengths, 0, order, seed: 1, epoch: 0), OutOfRange("batchSize", 0));
        Assert.That(() => BatchSampler.Batches(lengths, -1, order, seed: 1, epoch: 0), OutOfRange("batchSize", -1));
        Assert.That(() => BatchSampler.Batches(lengths, 2, order, seed: 1, epoch: -1), OutOfRange("epoch", -1));
        // The boundaries themselves are accepted: batch size 1, epoch 0.
        Assert.That(BatchSampler.Batches(lengths, 1, order, seed: 1, epoch: 0), Has.Length.EqualTo(3));
    }

    [Test]
    public void GroupByLengthNamesTheNullArgument()
    {
        Assert.That(() => BatchSampler.GroupByLength(null!, [1, 2], 1), NullArgument("permutation"));
        Assert.That(() => BatchSampler.GroupByLength([0, 1], null!, 1), NullArgument("lengths"));
    }

    [Test]
    public void LongestFirstNamesTheBadArgument()
    {
        Assert.That(() => BatchSampler.LongestFirst(null!, 2), NullArgument("lengths"));
        Assert.That(() => BatchSampler.LongestFirst([3, 1], 0), OutOfRange("batchSize", 0));
        Assert.That(() => BatchSampler.LongestFirst([3, 1], -2), OutOfRange("batchSize", -2));
    }
}
