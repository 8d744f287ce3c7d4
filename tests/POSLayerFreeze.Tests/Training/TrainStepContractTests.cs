using POSLayerFreeze.Data;
using POSLayerFreeze.Models;
using POSLayerFreeze.Tokenization;
using POSLayerFreeze.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Training;

/// <summary>
/// A step's batch and its two halves, beyond the gradient equality of <see cref="TrainStepTests"/>: the counts of a
/// bucketed batch worked out by hand, the refusal of a batch without labels, the caller's forward, the norm
/// returned only when asked, and the argument checks.
/// </summary>
[TestFixture]
public sealed class TrainStepContractTests
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

    [Test]
    public void ABucketedBatchCountsItsRealPaddedAndLabelledTokens()
    {
        using var step = StepBatch.Upload(Three, [0, 1, 2], padId: 0, CPU, bucketOverheadTokens: 3);
        Assert.Multiple(() =>
        {
            Assert.That(step.Buckets.Select(b => b.Windows), Is.EqualTo(new[] { new[] { 1 }, new[] { 0, 2 } }));
            Assert.That(step.Buckets.Select(b => b.Length), Is.EqualTo(new[] { 20, 6 }));
            Assert.That(step.Buckets.Select(b => b.InputIds.shape), Is.EqualTo(new[] { new long[] { 1, 20 }, [2, 6] }));
            Assert.That(step.RealTokens, Is.EqualTo(31));
            Assert.That(step.PaddedTokens, Is.EqualTo(32));
            Assert.That(step.LabelledTokens, Is.EqualTo(23));
        });
        using var one = StepBatch.Upload(Three, [2, 0], padId: 0, CPU, bucketOverheadTokens: null);
        Assert.That((one.Buckets.Count, one.RealTokens, one.PaddedTokens, one.LabelledTokens), Is.EqualTo((1, 11L, 12L, 5L)));
    }

    [Test]
    public void ABatchWithoutALabelledTokenIsRefused()
    {
        SentenceWindow[] unlabelled = [Window(6, 0), Window(4, 0)];
        Assert.That(() => StepBatch.Upload(unlabelled, [0, 1], padId: 0, CPU, bucketOverheadTokens: null),
            Throws.ArgumentException.With.Message.EqualTo("a training batch has no labelled token (Parameter 'batch')")
                .And.Property("ParamName").EqualTo("batch"));
    }

    [Test]
    public void TheCallersForwardGivesTheLogits()
    {
        using var model = Tiny();
        using var step = StepBatch.Upload(Three, [0, 1, 2], padId: 0, CPU, bucketOverheadTokens: 3);
        using var scope = NewDisposeScope();
        // All-zero logits: every labelled token costs ln 5 whatever its label, so the mean loss is ln 5.
        var flat = TrainStep.AccumulateGradients(model, step, bucket => model.call(bucket.InputIds, bucket.AttentionMask) * 0).item<float>();
        Assert.That(flat, Is.EqualTo(Math.Log(Labels)).Within(1e-6));
        var own = TrainStep.AccumulateGradients(model, step).item<float>();
        Assert.That(Math.Abs(own - Math.Log(Labels)), Is.GreaterThan(1e-4), "the premise: the model's own logits are not flat");
    }

    [Test]
    public void TheUpdateReturnsTheNormOnlyWhenMeasuringOrClipping()
    {
        using var model = Tiny();
        var trainable = model.parameters().ToList();
        using var optimizer = new FlatAdamW(trainable, 1e-3);
        using var step = StepBatch.Upload(Three, [0, 1, 2], padId: 0, CPU, bucketOverheadTokens: 3);
        double Accumulate()
        {
            using var scope = NewDisposeScope();
            TrainStep.AccumulateGradients(model, step);
            return Math.Sqrt(trainable.Where(p => p.grad is not null).Sum(p => (double)p.grad!.pow(2).sum().item<float>()));
        }

        Accumulate();
        Assert.That(TrainStep.ApplyUpdate(optimizer, 1e-3, maxGradNorm: null, measureNorm: false), Is.Null, "no norm asked: no extra kernel");
        Assert.That(trainable.Where(p => p.grad is not null).All(p => p.grad!.abs().max().item<float>() == 0), Is.True, "gradients zeroed after the step");
        var expected = Accumulate();
        using var measured = TrainStep.ApplyUpdate(optimizer, 2e-3, maxGradNorm: null, measureNorm: true);
        Assert.That(measured!.item<float>(), Is.EqualTo(expected).Within(1e-5 * expected));
        Assert.That(optimizer.LearningRate, Is.EqualTo(2e-3));
        expected = Accumulate();
        using var clipped = TrainStep.ApplyUpdate(optimizer, 1e-3, maxGradNorm: 1e-3, measureNorm: false);
        Assert.That(clipped!.item<float>(), Is.EqualTo(expected).Within(1e-5 * expected), "clipping returns the norm before clipping");
    }

    [Test]
    public void EveryEntryPointNamesTheArgumentThatIsNull()
    {
        using var model = Tiny();
        using var optimizer = new FlatAdamW(model.parameters().ToList(), 1e-3);
        using var step = StepBatch.Upload(Three, [0], padId: 0, CPU, bucketOverheadTokens: null);
        Assert.Multiple(() =>
        {
            Assert.That(() => StepBatch.Upload(null!, [0], 0, CPU, null), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("windows"));
            Assert.That(() => StepBatch.Upload(Three, null!, 0, CPU, null), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("batch"));
            Assert.That(() => TrainStep.AccumulateGradients(null!, step), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("model"));
            Assert.That(() => TrainStep.AccumulateGradients(model, null!), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("batch"));
            Assert.That(() => TrainStep.ApplyUpdate(null!, 1e-3, null, true), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("optimizer"));
        });
    }
}
