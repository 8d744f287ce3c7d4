using POSLayerFreeze.Data;

namespace POSLayerFreeze.Tokenization;

/// <summary>A padded batch, row-major [<see cref="BatchSize"/>, <see cref="Length"/>], ready for torch.tensor.</summary>
public sealed record PaddedBatch(long[] InputIds, long[] AttentionMask, long[] Labels, int BatchSize, int Length);

/// <summary>
/// Groups windows of similar length into batches so that dynamic padding wastes little, while the order still
/// changes every epoch and is fixed by (seed, epoch) through <see cref="SplitMix64"/>.
/// </summary>
public static class LengthGroupedBatcher
{
    /// <summary>How many batches' worth of items are sorted by length together: large enough to group lengths
    /// well, small enough that batches still mix sentences from across the corpus.</summary>
    public const int ChunkBatches = 50;

    /// <summary>
    /// Shuffle all items, sort each chunk of <see cref="ChunkBatches"/> × <paramref name="batchSize"/> by length
    /// (longest first), cut it into batches, then shuffle the order of all batches.
    /// </summary>
    public static int[][] Batches(IReadOnlyList<int> lengths, int batchSize, ulong seed, int epoch)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        // One independent stream per epoch, derived from the run seed alone.
        var rng = new SplitMix64(seed ^ (0xD1B54A32D192ED03UL * (ulong)(epoch + 1)));
        var order = Enumerable.Range(0, lengths.Count).ToArray();
        rng.Shuffle(order);

        var batches = new List<int[]>();
        int chunk = ChunkBatches * batchSize;
        for (int start = 0; start < order.Length; start += chunk)
        {
            // OrderBy is stable, so ties keep the shuffled order.
            var sorted = order.AsSpan(start, Math.Min(chunk, order.Length - start)).ToArray()
                .OrderByDescending(i => lengths[i]).ToArray();
            for (int b = 0; b < sorted.Length; b += batchSize)
                batches.Add(sorted[b..Math.Min(b + batchSize, sorted.Length)]);
        }
        var result = batches.ToArray();
        rng.Shuffle(result);
        return result;
    }

    /// <summary>For evaluation: no randomness, items sorted by length (longest first, ties by index).</summary>
    public static int[][] Sequential(IReadOnlyList<int> lengths, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var sorted = Enumerable.Range(0, lengths.Count).OrderByDescending(i => lengths[i]).ToArray();
        var batches = new List<int[]>();
        for (int b = 0; b < sorted.Length; b += batchSize)
            batches.Add(sorted[b..Math.Min(b + batchSize, sorted.Length)]);
        return [.. batches];
    }

    /// <summary>Pads the chosen windows to the longest one: pad id, mask 0 and label −100 beyond each window.</summary>
    public static PaddedBatch Pad(IReadOnlyList<SentenceWindow> windows, IReadOnlyList<int> batch, int padId)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0) throw new ArgumentException("a batch needs at least one window", nameof(batch));
        int length = batch.Max(i => windows[i].Length);
        var inputIds = new long[batch.Count * length];
        var mask = new long[batch.Count * length];
        var labels = new long[batch.Count * length];
        Array.Fill(inputIds, padId);
        Array.Fill(labels, Upos.IgnoreIndex);
        for (int row = 0; row < batch.Count; row++)
        {
            var window = windows[batch[row]];
            int offset = row * length;
            for (int t = 0; t < window.Length; t++)
            {
                inputIds[offset + t] = window.InputIds[t];
                mask[offset + t] = 1;
                labels[offset + t] = window.Labels[t];
            }
        }
        return new PaddedBatch(inputIds, mask, labels, batch.Count, length);
    }
}
