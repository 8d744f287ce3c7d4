using POSLayerFreeze.Data;
using POSLayerFreeze.Freezing;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tests.Models;
using POSLayerFreeze.Tokenization;
using POSLayerFreeze.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Training;

/// <summary>
/// Length-bucketed steps compute the padded batch's gradient: with dropout off (eval mode), every bucketing of a
/// batch accumulates the same gradient (<see cref="Trainer.Backward"/>) and the same mean loss as one padded batch,
/// on both encoder families.
/// </summary>
[TestFixture]
public sealed class BucketedBackwardTests
{
    private static SentenceWindow[] Windows(int count, int vocab, int labels, ulong seed)
    {
        var rng = new SplitMix64(seed);
        return [.. Enumerable.Range(0, count).Select(_ =>
        {
            var length = 3 + rng.NextInt(14);
            var ids = Enumerable.Range(0, length).Select(t => t == 0 ? 2 : t == length - 1 ? 3 : 5 + rng.NextInt(vocab - 5)).ToArray();
            // Some sub-tokens unlabelled, as continuation pieces are.
            var tags = Enumerable.Range(0, length).Select(t => t == 0 || t == length - 1 || rng.NextInt(4) == 0 ? Upos.IgnoreIndex : rng.NextInt(labels)).ToArray();
            tags[1] = rng.NextInt(labels);
            return new SentenceWindow(ids, tags, new int[length], 0, 1);
        })];
    }

    private static Dictionary<string, Tensor> Gradients(TokenClassifier model, SentenceWindow[] windows, int? overhead, out double loss, out int buckets)
    {
        foreach (var p in model.parameters()) p.grad?.zero_();
        int[] batch = [.. Enumerable.Range(0, windows.Length)];
        using var step = StepBatch.Upload(StepBatch.Pad(windows, batch, padId: 0, overhead), CPU);
        buckets = step.Buckets.Count;
        using (var scope = NewDisposeScope()) loss = Trainer.Backward(model, prefix: null, step).item<float>();
        return model.named_parameters().Where(p => p.parameter.grad is not null).ToDictionary(p => p.name, p => p.parameter.grad!.clone());
    }

    [TestCase("tiny-bert", "baseline")]
    [TestCase("tiny-distilbert", "baseline")]
    [TestCase("tiny-bert", "clpf-0+1")]
    [TestCase("tiny-distilbert", "slpf-1")]
    public void EveryBucketingGivesThePaddedBatchGradient(string fixture, string config)
    {
        using var model = ModelCatalog.LoadTokenClassificationCheckpoint(ModelTestSupport.TinyDir(fixture));
        FreezePlan.Parse(config, model.Config.NumLayers).Apply(model);
        model.eval();   // dropout off: the comparison is of the math, not of random masks
        var windows = Windows(13, model.Config.VocabSize, model.NumLabels, seed: 21);
        var padded = Gradients(model, windows, overhead: null, out var paddedLoss, out var one);
        Assert.That(one, Is.EqualTo(1));
        foreach (var overhead in new[] { 1, 4, 16, 10_000 })
        {
            var split = Gradients(model, windows, overhead, out var splitLoss, out var buckets);
            if (overhead == 1) Assert.That(buckets, Is.GreaterThan(3), "a small per-bucket cost must split the batch");
            Assert.That(splitLoss, Is.EqualTo(paddedLoss).Within(1e-6), $"overhead {overhead}: loss");
            Assert.That(split.Keys, Is.EquivalentTo(padded.Keys));
            foreach (var (name, grad) in padded)
            {
                var difference = (split[name] - grad).abs().max().item<float>();
                Assert.That(difference, Is.LessThanOrEqualTo(1e-6), $"overhead {overhead} ({buckets} buckets): {name} differs by {difference}");
            }
        }
        Assert.That(padded.Values.Any(g => g.abs().max().item<float>() > 1e-4), Is.True, "the gradients compared are not all zero");
    }

    [Test]
    public void TheLossIsTheMeanOverLabelledTokensOfTheWholeBatch()
    {
        using var model = ModelCatalog.LoadTokenClassificationCheckpoint(ModelTestSupport.TinyDir("tiny-bert"));
        model.eval();
        var windows = Windows(5, model.Config.VocabSize, model.NumLabels, seed: 3);
        var padded = PaddedBatch.Of(windows, [0, 1, 2, 3, 4], 0);
        var (ids, mask, labels) = padded.ToDevice(CPU);
        using var logits = model.forward(ids, mask);
        var expected = nn.functional.cross_entropy(logits.view(-1, logits.shape[^1]), labels.view(-1), ignore_index: -100).item<float>();
        Gradients(model, windows, overhead: 2, out var loss, out _);
        Assert.That(loss, Is.EqualTo(expected).Within(1e-6));
    }

    [Test]
    public void SplitPicksTheCheapestContiguousBucketing()
    {
        var rng = new SplitMix64(9);
        for (var trial = 0; trial < 40; trial++)
        {
            var n = 1 + rng.NextInt(9);
            var lengths = Enumerable.Range(0, n).Select(_ => 1 + rng.NextInt(60)).ToArray();
            var overhead = 1 + rng.NextInt(40);
            int[] batch = [.. Enumerable.Range(0, n)];
            var buckets = MicroBatches.Split(batch, lengths, overhead);
            Assert.That(buckets.SelectMany(b => b).Order(), Is.EqualTo(batch), "every window once");
            long Cost(IEnumerable<int[]> bs) => bs.Sum(b => (long)b.Length * b.Max(i => lengths[i]) + overhead);
            // Brute force: every way to cut the longest-first order into contiguous runs.
            var sorted = batch.OrderByDescending(i => lengths[i]).ToArray();
            var best = long.MaxValue;
            for (var mask = 0; mask < 1 << (n - 1); mask++)
            {
                var runs = new List<int[]>();
                var start = 0;
                for (var k = 1; k <= n; k++)
                    if (k == n || (mask & (1 << (k - 1))) != 0) { runs.Add(sorted[start..k]); start = k; }
                best = Math.Min(best, Cost(runs));
            }
            Assert.That(Cost(buckets), Is.EqualTo(best), $"trial {trial}");
        }
        Assert.That(MicroBatches.Split([4, 2, 7], [1, 1, 1, 1, 1, 1, 1, 1], overheadTokens: null), Is.EqualTo(new[] { new[] { 4, 2, 7 } }));
    }
}
