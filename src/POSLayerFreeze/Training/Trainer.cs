using System.Diagnostics;
using POSLayerFreeze.Data;
using POSLayerFreeze.Models;
using POSLayerFreeze.Tokenization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace POSLayerFreeze.Training;

/// <summary>What one training run did: steps, tokens (real and padded), time, and the loss curve as read.</summary>
public sealed record TrainStats(int Steps, long RealTokens, long PaddedTokens, double Seconds, IReadOnlyList<(int Step, double Loss)> Loss)
{
    /// <summary>Cached-prefix mode: encoder layers whose output was cached (−1: mode off or nothing cacheable).</summary>
    public int CachedLayers { get; init; } = -1;

    public double TokensPerSecond => Seconds > 0 ? RealTokens / Seconds : 0;
}

/// <summary>Progress callback: step done, total steps, last loss read (NaN until the first read).</summary>
public delegate void TrainProgress(int step, int totalSteps, double loss);

/// <summary>
/// The one training loop: per step a dispose scope, forward, cross-entropy (ignore −100), backward, AdamW step,
/// linear schedule. The loss stays on the device and is read every <see cref="LossReadInterval"/> steps, so the
/// loop never waits on the GPU.
/// </summary>
public static class Trainer
{
    public const int LossReadInterval = 50;

    public static TrainStats Train(TokenClassifier model, IReadOnlyList<Parameter> trainable, IReadOnlyList<SentenceWindow> windows,
        TrainingProfile profile, long seed, int padId, TrainProgress? progress = null, bool cachedPrefix = false,
        CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var device = model.ClassifierParameters()[0].device;
        var lengths = windows.Select(w => w.Length).ToArray();
        var epochs = Enumerable.Range(0, profile.Epochs)
            .Select(e => LengthGroupedBatcher.Batches(lengths, profile.BatchSize, unchecked((ulong)seed), e)).ToArray();
        var totalSteps = epochs.Sum(e => e.Length);
        using var optimizer = new FlatAdamW(trainable, profile.LearningRate, profile.Beta1, profile.Beta2, profile.Epsilon, profile.WeightDecay);
        using var lossSum = zeros(1, dtype: float32, device: device);
        var losses = new List<(int, double)>();
        long realTokens = 0, paddedTokens = 0;
        var sinceRead = 0;
        var lastLoss = double.NaN;
        // Every batch is padded and copied to the device before the clock starts: a host-to-device copy from
        // pageable memory inside the loop would wait for the GPU each step.
        var deviceBatches = epochs.Select(batches => batches.Select(batch => DeviceBatch.Upload(windows, batch, padId, device)).ToArray()).ToArray();
        var clock = Stopwatch.StartNew();
        // Opt-in (changes the protocol): the frozen prefix runs once per window without dropout; its time counts.
        using var prefix = cachedPrefix ? PrefixCache.Build(model, windows, padId, profile.EvalBatchSize) : null;
        model.train();
        var step = 0;
        prefix?.Prepare(epochs.SelectMany(e => e));
        foreach (var (batches, epochIndices) in deviceBatches.Zip(epochs))
        {
            foreach (var (batch, indices) in batches.Zip(epochIndices))
            {
                cancel.ThrowIfCancellationRequested();
                using (var scope = NewDisposeScope())
                {
                    var (ids, mask, labels) = (batch.InputIds, batch.AttentionMask, batch.Labels);
                    var logits = prefix is null ? model.forward(ids, mask) : prefix.Forward(indices, mask); // [B, T, 17]
                    var loss = cross_entropy(logits.view(-1, logits.shape[^1]), labels.view(-1), ignore_index: Upos.IgnoreIndex);
                    loss.backward();
                    // HF's linear schedule without warm-up: step s (0-based) uses lr·(T − s)/T.
                    optimizer.LearningRate = profile.LearningRate * (totalSteps - step) / totalSteps;
                    optimizer.Step();
                    optimizer.ZeroGrad();
                    using (no_grad()) lossSum.add_(loss.detach());
                    realTokens += batch.RealTokens;
                    paddedTokens += batch.PaddedTokens;
                }
                step++;
                sinceRead++;
                if (sinceRead == LossReadInterval || step == totalSteps)
                {
                    lastLoss = lossSum.item<float>() / sinceRead;   // the only host sync, once per interval
                    lossSum.zero_();
                    losses.Add((step, lastLoss));
                    sinceRead = 0;
                }
                progress?.Invoke(step, totalSteps, lastLoss);
            }
        }
        if (device.type == DeviceType.CUDA) cuda.synchronize(device);
        clock.Stop();
        foreach (var batch in deviceBatches.SelectMany(b => b)) batch.Dispose();
        return new TrainStats(step, realTokens, paddedTokens, clock.Elapsed.TotalSeconds, losses) { CachedLayers = prefix?.CachedLayers ?? -1 };
    }
}

/// <summary>One padded batch resident on the training device.</summary>
internal sealed record DeviceBatch(Tensor InputIds, Tensor AttentionMask, Tensor Labels, long RealTokens, long PaddedTokens) : IDisposable
{
    public static DeviceBatch Upload(IReadOnlyList<SentenceWindow> windows, int[] batch, int padId, Device device)
    {
        var padded = LengthGroupedBatcher.Pad(windows, batch, padId);
        long[] shape = [padded.BatchSize, padded.Length];
        using var scope = NewDisposeScope();
        return new DeviceBatch(
            tensor(padded.InputIds, shape).to(device).MoveToOuterDisposeScope(),
            tensor(padded.AttentionMask, shape).to(device).MoveToOuterDisposeScope(),
            tensor(padded.Labels, shape).to(device).MoveToOuterDisposeScope(),
            batch.Sum(i => windows[i].Length), (long)padded.BatchSize * padded.Length);
    }

    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
        Labels.Dispose();
    }
}
