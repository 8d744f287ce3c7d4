using POSLayerFreeze.Freezing;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tokenization;
using POSLayerFreeze.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Training;

/// <summary>The cached frozen prefix gives the model's own logits (eval mode) at every real position, for both families.</summary>
[TestFixture]
public sealed class PrefixCacheTests
{
    private static TokenClassifier Tiny(string family)
    {
        torch.manual_seed(7);
        EncoderConfig config = family == "bert"
            ? new BertConfig(vocabSize: 60, hiddenSize: 16, numHiddenLayers: 3, numAttentionHeads: 2, intermediateSize: 32, maxPositionEmbeddings: 32)
            : new DistilBertConfig(vocabSize: 60, dim: 16, nLayers: 3, nHeads: 2, hiddenDim: 32, maxPositionEmbeddings: 32);
        var model = new TokenClassifier(config, numLabels: 5);
        model.InitializeClassifier();
        return model;
    }

    private static SentenceWindow[] Windows()
    {
        var rng = new SplitMix64(3);
        return Enumerable.Range(0, 11).Select(i =>
        {
            var length = 3 + rng.NextInt(14);
            var ids = Enumerable.Range(0, length).Select(_ => 1 + rng.NextInt(59)).ToArray();
            var labels = ids.Select(_ => rng.NextInt(5)).ToArray();
            return new SentenceWindow(ids, labels, Enumerable.Range(0, length).ToArray(), 0, length);
        }).ToArray();
    }

    [TestCase("distilbert", "clpf-emb+0", 1)]
    [TestCase("distilbert", "all", 3)]
    [TestCase("bert", "clpf-emb+0+1", 2)]
    [TestCase("bert", "clpf-emb", 0)]
    public void CachedForwardEqualsTheModelAtRealPositions(string family, string config, int expectedLayers)
    {
        using var model = Tiny(family);
        FreezePlan.Parse(config, model.Config.NumLayers).Apply(model);
        var windows = Windows();
        using var cache = PrefixCache.Build(model, windows, padId: 0, batchSize: 4);
        Assert.That(cache, Is.Not.Null);
        Assert.That(cache!.CachedLayers, Is.EqualTo(expectedLayers));
        model.eval();
        using var noGrad = no_grad();
        int[] batch = [5, 0, 9, 2];
        var padded = PaddedBatch.Of(windows, batch, 0);
        long[] shape = [padded.BatchSize, padded.Length];
        using var ids = tensor(padded.InputIds, shape);
        using var mask = tensor(padded.AttentionMask, shape);
        using var expected = model.forward(ids, mask);
        using var windowIds = tensor(batch.Select(i => (long)i).ToArray());
        using var actual = cache.Forward(windowIds, mask);
        using var real = mask.unsqueeze(-1).to_type(ScalarType.Bool);
        var difference = (expected - actual).abs().masked_fill(real.logical_not(), 0).max().item<float>();
        Assert.That(difference, Is.LessThan(1e-5f));
    }

    [Test]
    public void NothingIsCachedWhileTheEmbeddingsTrain()
    {
        using var model = Tiny("distilbert");
        FreezePlan.Parse("clpf-0+1", model.Config.NumLayers).Apply(model);
        Assert.That(PrefixCache.FrozenPrefixLayers(model), Is.EqualTo(-1));
        Assert.That(PrefixCache.Build(model, Windows(), padId: 0), Is.Null);
    }
}
