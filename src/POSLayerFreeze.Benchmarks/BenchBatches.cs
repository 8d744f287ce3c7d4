using POSLayerFreeze.Data;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tokenization;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Benchmarks;

/// <summary>
/// Deterministic batches for the training benchmarks. Token ids are random (speed does not depend on them), labels
/// mark about two thirds of the real tokens (first sub-tokens) and −100 elsewhere, lengths look like EWT windows:
/// log-normal around 45% of the padded length, clamped to [3, T], with one window of exactly T so the batch is
/// [<see cref="BenchEnvironment.BatchSize"/>, T] and about half of it is padding, as in a random (not
/// length-grouped) batch.
/// </summary>
internal static class BenchBatches
{
    private const int VocabSize = 30522;
    private const int FirstWordPieceId = 1000;

    /// <summary>The fixed batch of the step benchmarks: [32, 40] on CPU, [32, 128] on CUDA.</summary>
    public static PaddedBatch Fixed(int padId = 0, ulong seed = 7) =>
        Fixed(BenchEnvironment.BatchSize, BenchEnvironment.SequenceLength, padId, seed);

    public static PaddedBatch Fixed(int batchSize, int length, int padId, ulong seed)
    {
        var rng = new SplitMix64(seed);
        var lengths = new int[batchSize];
        for (var i = 0; i < batchSize; i++) lengths[i] = LogNormalLength(rng, median: 0.45 * length, sigma: 0.45, min: 3, max: length);
        lengths[0] = length;
        var windows = lengths.Select(n => Window(rng, n)).ToArray();
        return PaddedBatch.Of(windows, Enumerable.Range(0, batchSize).ToArray(), padId);
    }

    /// <summary>A synthetic window of <paramref name="length"/> tokens: [CLS] … [SEP] with labels on ~2/3 of the inner tokens.</summary>
    public static SentenceWindow Window(SplitMix64 rng, int length)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var ids = new int[length];
        var labels = new int[length];
        var wordIndex = new int[length];
        ids[0] = 101;
        ids[^1] = 102;
        labels[0] = labels[^1] = Upos.IgnoreIndex;
        wordIndex[0] = wordIndex[^1] = -1;
        var words = 0;
        for (var t = 1; t < length - 1; t++)
        {
            ids[t] = FirstWordPieceId + rng.NextInt(VocabSize - FirstWordPieceId);
            var first = t == 1 || rng.NextInt(3) != 0;
            labels[t] = first ? rng.NextInt(Upos.Tags.Count) : Upos.IgnoreIndex;
            wordIndex[t] = first ? words++ : -1;
        }
        return new SentenceWindow(ids, labels, wordIndex, 0, Math.Max(words, 1));
    }

    public static int LogNormalLength(SplitMix64 rng, double median, double sigma, int min, int max)
    {
        ArgumentNullException.ThrowIfNull(rng);
        // Box–Muller from two uniforms in (0, 1].
        var u1 = (rng.NextUInt64() >> 11) * (1.0 / (1UL << 53)) + 1e-12;
        var u2 = (rng.NextUInt64() >> 11) * (1.0 / (1UL << 53));
        var normal = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        return Math.Clamp((int)Math.Round(median * Math.Exp(sigma * normal)), min, max);
    }
}
