using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tokenization;

namespace POSLayerFreeze.Training;

/// <summary>How the training windows of one epoch are cut into optimizer steps (a field of the saved profile).</summary>
public enum BatchOrder
{
    /// <summary>Hugging Face Trainer's default (<c>RandomSampler</c>, <c>group_by_length=False</c>): each epoch a
    /// permutation drawn from the run seed, cut into consecutive batches, the last one partial.</summary>
    Random,

    /// <summary>Hugging Face's <c>LengthGroupedSampler</c> (<c>group_by_length=True</c>): see
    /// <see cref="BatchSampler.GroupByLength"/>.</summary>
    GroupByLength,
}

/// <summary>
/// The training data order: which windows form each optimizer step, fixed by (seed, epoch) through our own
/// <see cref="SplitMix64"/> so it survives .NET upgrades. The permutation is ours, not torch's <c>randperm</c>; the
/// rules applied to it are Hugging Face's.
/// </summary>
public static class BatchSampler
{
    /// <summary>Hugging Face's cap on mega-batches: at most 50 batches are sorted by length together.</summary>
    public const int MaxMegaBatchMultiplier = 50;

    /// <summary>
    /// Odd 64-bit multiplier (from Steele and Vigna's table of spectrally good multiplicative-congruential
    /// multipliers) that spreads (seed, epoch) over the generator's state space, so each epoch gets its own stream.
    /// Changing it changes every data order, and with it every result.
    /// </summary>
    private const ulong EpochStreamMultiplier = 0xD1B54A32D192ED03UL;

    public static string Name(BatchOrder order) => order switch
    {
        BatchOrder.Random => "random",
        BatchOrder.GroupByLength => "group-by-length",
        _ => throw new ArgumentOutOfRangeException(nameof(order)),
    };

    /// <summary>Parses <c>random</c> or <c>group-by-length</c>; null when neither.</summary>
    public static BatchOrder? Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "random" => BatchOrder.Random,
        "group-by-length" => BatchOrder.GroupByLength,
        _ => null,
    };

    /// <summary>Window indices of each optimizer step of epoch <paramref name="epoch"/> (0-based).</summary>
    public static int[][] Batches(IReadOnlyList<int> lengths, int batchSize, BatchOrder order, ulong seed, int epoch)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        var permutation = Permutation(lengths.Count, seed, epoch);
        var indices = order switch
        {
            BatchOrder.Random => permutation,
            BatchOrder.GroupByLength => GroupByLength(permutation, lengths, batchSize),
            _ => throw new ArgumentOutOfRangeException(nameof(order)),
        };
        return Consecutive(indices, batchSize);
    }

    /// <summary>The epoch's permutation of 0..n−1: one independent SplitMix64 stream per (seed, epoch).</summary>
    public static int[] Permutation(int count, ulong seed, int epoch)
    {
        var rng = new SplitMix64(seed ^ (EpochStreamMultiplier * (ulong)(epoch + 1)));
        var order = Enumerable.Range(0, count).ToArray();
        rng.Shuffle(order);
        return order;
    }

    /// <summary>
    /// Hugging Face's <c>get_length_grouped_indices</c>, rule by rule: (1) mega-batch multiplier
    /// m = min(n / (4·batch), 50), at least 1; (2) the permutation is cut into mega-batches of m·batch items;
    /// (3) each mega-batch is sorted by length, longest first, stably (Python's <c>sorted(…, reverse=True)</c> keeps
    /// ties in permutation order, as does <c>OrderByDescending</c>); (4) the first element of the mega-batch holding
    /// the longest item (the first such mega-batch) is swapped with the first element of the first mega-batch, so the
    /// longest window is in the first batch. Batches are then cut consecutively and are not shuffled.
    /// </summary>
    public static int[] GroupByLength(IReadOnlyList<int> permutation, IReadOnlyList<int> lengths, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(permutation);
        ArgumentNullException.ThrowIfNull(lengths);
        if (permutation.Count == 0) return [];
        var multiplier = Math.Max(1, Math.Min(lengths.Count / (batchSize * 4), MaxMegaBatchMultiplier));
        var megaSize = multiplier * batchSize;
        var megaBatches = new List<int[]>();
        for (var start = 0; start < permutation.Count; start += megaSize)
        {
            var count = Math.Min(megaSize, permutation.Count - start);
            megaBatches.Add([.. permutation.Skip(start).Take(count).OrderByDescending(i => lengths[i])]);
        }
        var longest = 0;   // torch.argmax: the first maximum
        for (var m = 1; m < megaBatches.Count; m++)
            if (lengths[megaBatches[m][0]] > lengths[megaBatches[longest][0]]) longest = m;
        (megaBatches[0][0], megaBatches[longest][0]) = (megaBatches[longest][0], megaBatches[0][0]);
        return [.. megaBatches.SelectMany(m => m)];
    }

    /// <summary>For evaluation: no randomness, windows sorted longest first (ties by index), cut consecutively.</summary>
    public static int[][] LongestFirst(IReadOnlyList<int> lengths, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        return Consecutive(Enumerable.Range(0, lengths.Count).OrderByDescending(i => lengths[i]).ToArray(), batchSize);
    }

    private static int[][] Consecutive(int[] indices, int batchSize)
    {
        var batches = new int[(indices.Length + batchSize - 1) / batchSize][];
        for (var b = 0; b < batches.Length; b++) batches[b] = indices[(b * batchSize)..Math.Min((b + 1) * batchSize, indices.Length)];
        return batches;
    }
}
