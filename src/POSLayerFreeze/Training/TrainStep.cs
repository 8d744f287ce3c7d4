using POSLayerFreeze.Data;
using POSLayerFreeze.Models;
using POSLayerFreeze.Tokenization;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace POSLayerFreeze.Training;

/// <summary>One length bucket of a step's batch, resident on the training device.</summary>
public sealed class DeviceBatch : IDisposable
{
    private DeviceBatch(int[] windows, Tensor inputIds, Tensor attentionMask, Tensor labels, int length)
    {
        Windows = windows;
        InputIds = inputIds;
        AttentionMask = attentionMask;
        Labels = labels;
        Length = length;
    }

    /// <summary>The window indices of the rows, in row order.</summary>
    public int[] Windows { get; }
    public Tensor InputIds { get; }
    public Tensor AttentionMask { get; }
    public Tensor Labels { get; }
    public int Length { get; }

    /// <summary>Pads <paramref name="batch"/> and copies it to <paramref name="device"/> (outside any dispose scope).</summary>
    public static DeviceBatch Upload(IReadOnlyList<SentenceWindow> windows, int[] batch, int padId, Device device)
    {
        var padded = PaddedBatch.Of(windows, batch, padId);
        using var scope = NewDisposeScope();
        var (ids, mask, labels) = padded.ToDevice(device);
        return new DeviceBatch(batch, ids.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope(), padded.Length);
    }

    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
        Labels.Dispose();
    }
}

/// <summary>One optimizer step's batch: its length buckets and the counts the loss and the throughput need.</summary>
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
    /// Splits <paramref name="batch"/> into buckets (<see cref="MicroBatches.Split"/>; null overhead: one padded
    /// batch) and uploads them. Counting labels happens here, on the host, so the step needs no device read.
    /// </summary>
    public static StepBatch Upload(IReadOnlyList<SentenceWindow> windows, int[] batch, int padId, Device device, int? bucketOverheadTokens)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(batch);
        // Split positions within the batch (lengths of this batch only, not an array over every window per step),
        // then map them back to window indices.
        var lengths = batch.Select(i => windows[i].Length).ToArray();
        var buckets = MicroBatches.Split([.. Enumerable.Range(0, batch.Length)], lengths, bucketOverheadTokens)
            .Select(b => DeviceBatch.Upload(windows, [.. b.Select(position => batch[position])], padId, device)).ToArray();
        var labelled = batch.Sum(i => (long)windows[i].Labels.Count(l => l != Upos.IgnoreIndex));
        if (labelled == 0) throw new ArgumentException("a training batch has no labelled token", nameof(batch));
        return new StepBatch(buckets, labelled, batch.Sum(i => (long)windows[i].Length), buckets.Sum(b => (long)b.Windows.Length * b.Length));
    }

    public void Dispose()
    {
        foreach (var bucket in Buckets) bucket.Dispose();
    }
}

/// <summary>
/// Forward and backward of one step's batch, bucket by bucket. Each bucket's loss is its summed cross-entropy
/// (ignore −100) divided by the labelled-token count of the <em>whole</em> batch, so the accumulated gradient and the
/// summed loss equal those of the padded batch's mean cross-entropy (what Hugging Face computes), whatever the
/// bucketing. The optimizer step is the caller's.
/// </summary>
public static class TrainStep
{
    /// <summary>Accumulates the batch's gradient into the trainable parameters; returns its mean loss (a detached device scalar).</summary>
    /// <param name="forward">Logits [B, T, labels] of a bucket; null: the model itself.</param>
    public static Tensor AccumulateGradients(TokenClassifier model, StepBatch batch, Func<DeviceBatch, Tensor>? forward = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batch);
        Tensor? total = null;
        foreach (var bucket in batch.Buckets)
        {
            var logits = forward is null ? model.call(bucket.InputIds, bucket.AttentionMask) : forward(bucket);   // [b, T, labels]
            var summed = cross_entropy(logits.view(-1, logits.shape[^1]), bucket.Labels.view(-1), ignore_index: Upos.IgnoreIndex,
                reduction: nn.Reduction.Sum);
            var loss = summed / batch.LabelledTokens;
            loss.backward();
            total = total is null ? loss.detach() : total + loss.detach();
        }
        return total!;
    }

    /// <summary>
    /// The update after <see cref="AccumulateGradients"/>: clipping when the profile asks for it, the step's learning
    /// rate, the AdamW step, gradients zeroed. Returns the gradient norm before clipping (a device scalar) when
    /// clipping or when <paramref name="measureNorm"/>; else null (no extra kernel).
    /// </summary>
    public static Tensor? ApplyUpdate(FlatAdamW optimizer, double learningRate, double? maxGradNorm, bool measureNorm)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var norm = maxGradNorm is { } max ? optimizer.ClipGradNorm(max) : measureNorm ? optimizer.GradNorm() : null;
        optimizer.LearningRate = learningRate;
        optimizer.Step();
        optimizer.ZeroGrad();
        return norm;
    }
}
