namespace POSLayerFreeze.Training;

/// <summary>
/// Splits one optimizer step's batch into length buckets that run forward and backward one after another, with the
/// gradients accumulated: the padded batch's math at a fraction of its padding. Only the bucketing is chosen here;
/// the loss normalisation that keeps the gradient equal is in <see cref="Trainer.Backward"/>.
/// </summary>
public static class MicroBatches
{
    /// <summary>
    /// The default per-bucket cost, in tokens of work: what one more forward + backward launch costs on the CPU
    /// (dozens of small kernels), weighed against the padded tokens it saves.
    /// </summary>
    public const int DefaultOverheadTokens = 32;

    /// <summary>
    /// Buckets of <paramref name="batch"/> (window indices) that minimise Σ rows·longest + overhead·buckets: the
    /// windows are sorted longest first (ties keep batch order), and an exact dynamic programme over the cut points
    /// picks the contiguous runs. <paramref name="overheadTokens"/> ≤ 0 or null means one bucket (the padded batch).
    /// </summary>
    public static int[][] Split(IReadOnlyList<int> batch, IReadOnlyList<int> lengths, int? overheadTokens)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(lengths);
        if (batch.Count == 0) throw new ArgumentException("a batch needs at least one window", nameof(batch));
        if (overheadTokens is not > 0) return [[.. batch]];
        var sorted = batch.OrderByDescending(i => lengths[i]).ToArray();
        var n = sorted.Length;
        // best[i]: cheapest cost of the first i windows; cut[i]: where its last bucket starts.
        var best = new long[n + 1];
        var cut = new int[n + 1];
        for (var i = 1; i <= n; i++)
        {
            best[i] = long.MaxValue;
            for (var j = 0; j < i; j++)
            {
                var cost = best[j] + (long)(i - j) * lengths[sorted[j]] + overheadTokens.Value;
                if (cost < best[i]) (best[i], cut[i]) = (cost, j);
            }
        }
        var buckets = new List<int[]>();
        for (var end = n; end > 0; end = cut[end]) buckets.Add(sorted[cut[end]..end]);
        buckets.Reverse();
        return [.. buckets];
    }
}
