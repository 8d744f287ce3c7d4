using NUnit.Framework.Constraints;
using POSLayerFreeze.Freezing;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tokenization;
using POSLayerFreeze.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Training;

/// <summary>
/// PrefixCache beyond "the cached logits equal the model's at real positions" (PrefixCacheTests): its argument
/// checks, the frozen-prefix rule on partly frozen units, the training mode it restores, the zero state at padded
/// positions, and that Forward finds each row's states by its window index alone (any order, any padded length).
/// </summary>
[TestFixture]
public sealed class PrefixCacheBookkeepingTests
{
    private static TokenClassifier Tiny()
    {
        torch.manual_seed(11);
        var config = new DistilBertConfig(vocabSize: 60, dim: 16, nLayers: 3, nHeads: 2, hiddenDim: 32, maxPositionEmbeddings: 32);
        var model = new TokenClassifier(config, numLabels: 5);
        model.InitializeClassifier();
        return model;
    }

    /// <summary>Windows of unequal lengths (3..16), so every batch below has padded positions.</summary>
    private static SentenceWindow[] Windows()
    {
        var rng = new SplitMix64(5);
        return [.. Enumerable.Range(0, 9).Select(_ =>
        {
            var length = 3 + rng.NextInt(14);
            var ids = Enumerable.Range(0, length).Select(_ => 1 + rng.NextInt(59)).ToArray();
            return new SentenceWindow(ids, [.. ids.Select(_ => rng.NextInt(5))], [.. Enumerable.Range(0, length)], 0, length);
        })];
    }

    private static IResolveConstraint NullArgument(string name) =>
        Throws.TypeOf<ArgumentNullException>().With.Property(nameof(ArgumentException.ParamName)).EqualTo(name);

    private static (Tensor Ids, Tensor Mask) Padded(SentenceWindow[] windows, int[] batch, int extraColumns = 0)
    {
        var padded = PaddedBatch.Of(windows, batch, padId: 0);
        var (ids, mask, labels) = padded.ToDevice(CPU);
        labels.Dispose();
        if (extraColumns == 0) return (ids, mask);
        using (ids)
        using (mask)
        using (var pad = zeros([padded.BatchSize, extraColumns], ScalarType.Int64))
            return (cat([ids, pad], 1), cat([mask, pad], 1));
    }

    private static Tensor Ids(int[] batch) => tensor(batch.Select(i => (long)i).ToArray());

    private static float RealDifference(Tensor expected, Tensor actual, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var real = mask.unsqueeze(-1).to_type(ScalarType.Bool);
        return (expected - actual).abs().masked_fill(real.logical_not(), 0).max().item<float>();
    }

    [Test]
    public void NamesTheNullArgument()
    {
        var windows = Windows();
        Assert.That(() => PrefixCache.FrozenPrefixLayers(null!), NullArgument("model"));
        // The model is checked first, before the windows.
        Assert.That(() => PrefixCache.Build(null!, null!, padId: 0), NullArgument("model"));
        using var model = Tiny();
        // Refused even where no cache would be built (the embeddings train here).
        Assert.That(PrefixCache.FrozenPrefixLayers(model), Is.EqualTo(-1));
        Assert.That(() => PrefixCache.Build(model, null!, padId: 0), NullArgument("windows"));
        FreezePlan.Parse("clpf-emb", model.Config.NumLayers).Apply(model);
        using var cache = PrefixCache.Build(model, windows, padId: 0, batchSize: 4)!;
        using var mask = ones([1, 4], ScalarType.Int64);
        using var ids = Ids([0]);
        Assert.That(() => cache.Forward(null!, mask), NullArgument("windows"));
        Assert.That(() => cache.Forward(ids, null!), NullArgument("attentionMask"));
    }

    [Test]
    public void OneTrainableParameterEndsTheFrozenPrefix()
    {
        using var model = Tiny();
        FreezePlan.Parse("all", model.Config.NumLayers).Apply(model);
        Assert.That(PrefixCache.FrozenPrefixLayers(model), Is.EqualTo(3));
        // One trainable tensor in layer 1 (of its dozen): layers 0 is the whole frozen prefix.
        model.Encoder.LayerParameters(1)[^1].requires_grad = true;
        Assert.That(PrefixCache.FrozenPrefixLayers(model), Is.EqualTo(1));
        // One trainable tensor in the embeddings (the LayerNorm bias): nothing can be cached.
        model.Encoder.EmbeddingParameters()[^1].requires_grad = true;
        Assert.That(PrefixCache.FrozenPrefixLayers(model), Is.EqualTo(-1));
        Assert.That(PrefixCache.Build(model, Windows(), padId: 0), Is.Null);
    }

    [TestCase(true)]
    [TestCase(false)]
    public void BuildRestoresTheTrainingMode(bool training)
    {
        using var model = Tiny();
        FreezePlan.Parse("clpf-emb+0", model.Config.NumLayers).Apply(model);
        model.train(training);
        using var cache = PrefixCache.Build(model, Windows(), padId: 0, batchSize: 4);
        Assert.That(cache, Is.Not.Null);
        Assert.That(model.training, Is.EqualTo(training));
    }

    [Test]
    public void PaddedPositionsGetTheZeroState()
    {
        // Every layer cached: Forward's state goes straight into the head, so at a padded position the logits are
        // the head of a zero state, i.e. exactly the classifier's bias (eval mode: no dropout).
        using var model = Tiny();
        FreezePlan.Parse("all", model.Config.NumLayers).Apply(model);
        var windows = Windows();
        using var cache = PrefixCache.Build(model, windows, padId: 0, batchSize: 4)!;
        Assert.That(cache.CachedLayers, Is.EqualTo(3));
        model.eval();
        using var noGrad = no_grad();
        // Not the last window of the buffer, so a position past a window's end has a real neighbour row to take by mistake.
        int[] batch = [2, 7, 0, 4];
        Assert.That(batch, Does.Not.Contain(windows.Length - 1));
        var (ids, mask) = Padded(windows, batch);
        using (ids)
        using (mask)
        using (var windowIds = Ids(batch))
        using (var logits = cache.Forward(windowIds, mask))
        using (var expected = model.forward(ids, mask))
        using (var bias = model.ClassifierParameters()[1].detach().clone())
        {
            Assert.That(RealDifference(expected, logits, mask), Is.LessThan(1e-5f));
            var lengths = batch.Select(i => windows[i].Length).ToArray();
            Assert.That(lengths.Distinct().Count(), Is.GreaterThan(1), "unequal lengths, so some rows are padded");
            var padded = 0;
            for (var row = 0; row < batch.Length; row++)
            for (var t = lengths[row]; t < mask.shape[1]; t++, padded++)
                Assert.That(logits[row, t].data<float>().ToArray(), Is.EqualTo(bias.data<float>().ToArray()), $"row {row}, position {t}");
            Assert.That(padded, Is.GreaterThan(0));
        }
    }

    [Test]
    public void AMaskLongerThanTheLongestWindowGathersTheZeroStateBeyondIt()
    {
        using var model = Tiny();
        FreezePlan.Parse("clpf-emb+0", model.Config.NumLayers).Apply(model);
        var windows = Windows();
        using var cache = PrefixCache.Build(model, windows, padId: 0, batchSize: 4)!;
        model.eval();
        using var noGrad = no_grad();
        int[] batch = [5, 1, 8];
        // Padded three columns beyond the batch's longest window.
        var (ids, mask) = Padded(windows, batch, extraColumns: 3);
        using (ids)
        using (mask)
        using (var windowIds = Ids(batch))
        using (var logits = cache.Forward(windowIds, mask))
        using (var expected = model.forward(ids, mask))
        {
            Assert.That(logits.shape, Is.EqualTo(new long[] { 3, batch.Max(i => windows[i].Length) + 3, 5 }));
            Assert.That(RealDifference(expected, logits, mask), Is.LessThan(1e-5f));
        }
    }

    [Test]
    public void EachRowFindsItsStatesByItsWindowIndexInAnyOrder()
    {
        // The key is the window index, nothing else: the same windows in another order, and one window twice, each
        // get their own states (the model's forward on the same rows is the oracle).
        using var model = Tiny();
        FreezePlan.Parse("clpf-emb+0", model.Config.NumLayers).Apply(model);
        var windows = Windows();
        using var cache = PrefixCache.Build(model, windows, padId: 0, batchSize: 4)!;
        model.eval();
        using var noGrad = no_grad();
        foreach (int[] batch in new[] { new[] { 3, 6, 0, 2 }, [2, 0, 6, 3], [8, 8, 1] })
        {
            var (ids, mask) = Padded(windows, batch);
            using (ids)
            using (mask)
            using (var windowIds = Ids(batch))
            using (var logits = cache.Forward(windowIds, mask))
            using (var expected = model.forward(ids, mask))
                Assert.That(RealDifference(expected, logits, mask), Is.LessThan(1e-5f), string.Join(",", batch));
        }
        // The check can fail: the rows of one order are not those of another.
        var (firstIds, firstMask) = Padded(windows, [3, 6, 0, 2]);
        using (firstIds)
        using (firstMask)
        using (var reversed = Ids([2, 0, 6, 3]))
        using (var wrong = cache.Forward(reversed, firstMask))
        using (var expected = model.forward(firstIds, firstMask))
            Assert.That(RealDifference(expected, wrong, firstMask), Is.GreaterThan(1e-3f));
    }
}
