using POSLayerFreeze.Data;
using POSLayerFreeze.Freezing;
using POSLayerFreeze.Models;
using POSLayerFreeze.Tokenization;
using POSLayerFreeze.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Training;

/// <summary>
/// A step's batch beyond the gradient equality of <see cref="BucketedBackwardTests"/>: the pure padding and bucketing
/// of <see cref="StepBatch.Pad"/> and the counts of <see cref="StepBatch.Upload"/> worked out by hand, the refusal of a
/// batch without labels, the cached prefix's forward in <see cref="Trainer.Backward"/>, and the argument checks.
/// </summary>
[TestFixture]
public sealed class StepBatchContractTests
{
    private const int Labels = 5;

    private static TokenClassifier Tiny()
    {
        torch.manual_seed(11);
        var model = new TokenClassifier(new BertConfig(vocabSize: 60, hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2,
            intermediateSize: 32, maxPositionEmbeddings: 32), numLabels: Labels);
        model.InitializeClassifier();
        model.eval();
        return model;
    }

    /// <summary>A window of <paramref name="length"/> tokens whose positions 1…<paramref name="labelled"/> are labelled.</summary>
    private static SentenceWindow Window(int length, int labelled) => new(
        [.. Enumerable.Range(0, length).Select(t => 1 + (7 * t + length) % 59)],
        [.. Enumerable.Range(0, length).Select(t => t >= 1 && t <= labelled ? t % Labels : Upos.IgnoreIndex)],
        new int[length], 0, 1);

    // Lengths 20, 6, 5 at a per-bucket cost of 3: {20}{6,5} costs 23 + 15 = 38, fewer buckets ({20,6,5}: 63) or more
    // ({20}{6}{5}: 40) cost more. Real tokens 31, padded 20 + 2·6 = 32; labelled 18 + 4 + 1 = 23.
    private static readonly SentenceWindow[] Three = [Window(6, 4), Window(20, 18), Window(5, 1)];

    private static StepBatch Upload(SentenceWindow[] windows, int[] batch, int? overhead) =>
        StepBatch.Upload(StepBatch.Pad(windows, batch, padId: 0, overhead), CPU);

    [Test]
    public void PaddingIsAPureFunctionOfTheWindowsTheBatchAndTheOverhead()
    {
        var buckets = StepBatch.Pad(Three, [0, 1, 2], padId: 0, bucketOverheadTokens: 3);
        Assert.Multiple(() =>
        {
            Assert.That(buckets.Select(b => b.Windows), Is.EqualTo(new[] { new[] { 1 }, new[] { 0, 2 } }));
            Assert.That(buckets.Select(b => b.Length), Is.EqualTo(new[] { 20, 6 }));
            Assert.That(buckets[1].AttentionMask, Is.EqualTo(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0 }));
            var again = StepBatch.Pad(Three, [0, 1, 2], padId: 0, bucketOverheadTokens: 3);
            long[] Flat(PaddedBatch[] bs) => [.. bs.SelectMany(b => b.Windows.Select(w => (long)w).Concat(b.InputIds).Concat(b.AttentionMask).Concat(b.Labels))];
            Assert.That(Flat(again), Is.EqualTo(Flat(buckets)), "same inputs, same buckets");
        });
    }

    [Test]
    public void ABucketedBatchCountsItsRealPaddedAndLabelledTokens()
    {
        using var step = Upload(Three, [0, 1, 2], overhead: 3);
        Assert.Multiple(() =>
        {
            Assert.That(step.Buckets.Select(b => b.Windows.data<long>().ToArray()), Is.EqualTo(new[] { new long[] { 1 }, [0, 2] }));
            Assert.That(step.Buckets.Select(b => b.Length), Is.EqualTo(new[] { 20, 6 }));
            Assert.That(step.Buckets.Select(b => b.InputIds.shape), Is.EqualTo(new[] { new long[] { 1, 20 }, [2, 6] }));
            Assert.That(step.RealTokens, Is.EqualTo(31));
            Assert.That(step.PaddedTokens, Is.EqualTo(32));
            Assert.That(step.LabelledTokens, Is.EqualTo(23));
        });
        using var one = Upload(Three, [2, 0], overhead: null);
        Assert.That((one.Buckets.Count, one.RealTokens, one.PaddedTokens, one.LabelledTokens), Is.EqualTo((1, 11L, 12L, 5L)));
    }

    [Test]
    public void ABatchWithoutALabelledTokenIsRefused()
    {
        SentenceWindow[] unlabelled = [Window(6, 0), Window(4, 0)];
        Assert.That(() => Upload(unlabelled, [0, 1], overhead: null),
            Throws.ArgumentException.With.Message.EqualTo("a training batch has no labelled token (Parameter 'buckets')")
                .And.Property("ParamName").EqualTo("buckets"));
    }

    [Test]
    public void WithACachedPrefixTheLossComesFromTheCachedStates()
    {
        // The cache holds the frozen prefix's output as it was when built. Changing the frozen embeddings afterwards
        // changes the model's own forward, not the cached one: the loss through the prefix stays the loss from before.
        using var model = Tiny();
        FreezePlan.Parse("all", model.Config.NumLayers).Apply(model);
        using var step = Upload(Three, [0, 1, 2], overhead: 3);
        using var cache = PrefixCache.Build(model, Three, padId: 0, batchSize: 2)!;
        using var scope = NewDisposeScope();
        var before = Trainer.Backward(model, prefix: null, step).item<float>();
        Assert.That(Trainer.Backward(model, cache, step).item<float>(), Is.EqualTo(before).Within(1e-6));
        // Noise, not a constant: the embeddings' LayerNorm would cancel a constant shift.
        using (no_grad()) model.Encoder.EmbeddingParameters()[0].add_(randn_like(model.Encoder.EmbeddingParameters()[0]));
        var own = Trainer.Backward(model, prefix: null, step).item<float>();
        Assert.That(Math.Abs(own - before), Is.GreaterThan(1e-4), "the premise: the model's own forward changed");
        Assert.That(Trainer.Backward(model, cache, step).item<float>(), Is.EqualTo(before).Within(1e-6));
    }

    [Test]
    public void EveryEntryPointNamesTheArgumentThatIsNull()
    {
        using var model = Tiny();
        using var step = Upload(Three, [0], overhead: null);
        Assert.Multiple(() =>
        {
            Assert.That(() => StepBatch.Pad(null!, [0], 0, null), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("windows"));
            Assert.That(() => StepBatch.Pad(Three, null!, 0, null), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("batch"));
            Assert.That(() => StepBatch.Upload(null!, CPU), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("buckets"));
            Assert.That(() => DeviceBatch.Upload(null!, CPU), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("padded"));
            Assert.That(() => Trainer.Backward(null!, null, step), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("model"));
            Assert.That(() => Trainer.Backward(model, null, null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("batch"));
        });
    }
}
