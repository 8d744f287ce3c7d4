using POSLayerFreeze.Data;
using POSLayerFreeze.Tokenization;
using static TorchSharp.torch;

namespace POSLayerFreeze.Training;

/// <summary>
/// One optimizer step's batch on the training device: its length buckets and the counts the loss and the throughput
/// need. The buckets are decided and padded on the host by <see cref="Pad"/>, a pure function; <see cref="Upload"/>
/// copies them, so the training loop finds every batch already on the device.
/// </summary>
public sealed class StepBatch : IDisposable
{
    private StepBatch(IReadOnlyList<DeviceBatch> buckets, long labelledTokens, long realTokens, long paddedTokens)
    {
        Buckets = buckets;
        LabelledTokens = labelledTokens;
        RealTokens = realTokens;
        PaddedTokens = paddedTokens;
    }

    public IReadOnlyList<DeviceBatch> Buckets { get; }

    /// <summary>Labels other than −100 in the whole batch: the denominator of its mean loss.</summary>
    public long LabelledTokens { get; }
    public long RealTokens { get; }
    public long PaddedTokens { get; }

    /// <summary>
    /// The buckets of <paramref name="batch"/> (<see cref="MicroBatches.Split"/>; null overhead: one padded batch),
    /// each padded (<see cref="PaddedBatch.Of"/>). Depends on its arguments only.
    /// </summary>
    public static PaddedBatch[] Pad(IReadOnlyList<SentenceWindow> windows, int[] batch, int padId, int? bucketOverheadTokens)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(batch);
        // Split positions within the batch (lengths of this batch only, not an array over every window per step),
        // then map them back to window indices.
        var lengths = batch.Select(i => windows[i].Length).ToArray();
        return [.. MicroBatches.Split([.. Enumerable.Range(0, batch.Length)], lengths, bucketOverheadTokens)
            .Select(bucket => PaddedBatch.Of(windows, [.. bucket.Select(position => batch[position])], padId))];
    }

    /// <summary>Copies the padded buckets of one step to <paramref name="device"/>. Counting labels happens here, on the
    /// host, so the step needs no device read.</summary>
    public static StepBatch Upload(IReadOnlyList<PaddedBatch> buckets, Device device)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        var labelled = buckets.Sum(b => (long)b.Labels.Count(l => l != Upos.IgnoreIndex));
        if (labelled == 0) throw new ArgumentException("a training batch has no labelled token", nameof(buckets));
        return new StepBatch([.. buckets.Select(b => DeviceBatch.Upload(b, device))], labelled,
            buckets.Sum(b => b.AttentionMask.Sum()), buckets.Sum(b => (long)b.BatchSize * b.Length));
    }

    public void Dispose()
    {
        foreach (var bucket in Buckets) bucket.Dispose();
    }
}
