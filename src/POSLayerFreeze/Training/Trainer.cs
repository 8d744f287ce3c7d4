using System.Diagnostics;
using POSLayerFreeze.Models;
using POSLayerFreeze.Tokenization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace POSLayerFreeze.Training;

/// <summary>One entry of the training log, read on the loss-read interval (Hugging Face's <c>log_history</c> fields).</summary>
/// <param name="Loss">Mean loss of the steps since the previous entry.</param>
/// <param name="GradNorm">L2 norm of the trainable parameters' gradient at the entry's step, before any clipping.</param>
public sealed record LogEntry(int Step, double Epoch, double Loss, double LearningRate, double GradNorm);

/// <summary>What one training run did: steps, tokens (real and padded), time, and the log as read.</summary>
public sealed record TrainStats(int Steps, long RealTokens, long PaddedTokens, double Seconds, IReadOnlyList<LogEntry> Log)
{
    /// <summary>Cached-prefix mode: encoder layers whose output was cached (−1: mode off or nothing cacheable).</summary>
    public int CachedLayers { get; init; } = -1;

    /// <summary>The loss curve: (step, mean loss since the previous read).</summary>
    public IReadOnlyList<(int Step, double Loss)> Loss => Log.Select(e => (e.Step, e.Loss)).ToArray();

    public double TokensPerSecond => Seconds > 0 ? RealTokens / Seconds : 0;
}

/// <summary>How the loop runs, beyond the protocol: none of these change the math (bucketing changes only float
/// rounding, and is recorded with the run).</summary>
public sealed record TrainOptions
{
    /// <summary>Steps between host reads of the loss (the loop's only host sync; Hugging Face's
    /// <c>logging_steps</c>); runs take it from the profile's <see cref="TrainingProfile.LoggingSteps"/>.</summary>
    public int LoggingSteps { get; init; } = TrainingProfile.DefaultLoggingSteps;

    /// <summary>Opt-in cached frozen prefix (a different protocol: no dropout in the prefix), see <see cref="PrefixCache"/>.</summary>
    public bool CachedPrefix { get; init; }

    /// <summary>Per-bucket cost for <see cref="MicroBatches.Split"/>; null: each step runs as one padded batch.</summary>
    public int? BucketOverheadTokens { get; init; } = MicroBatches.DefaultOverheadTokens;
}

/// <summary>Progress callback: step done, total steps, last loss read (NaN until the first read).</summary>
public delegate void TrainProgress(int step, int totalSteps, double loss);

/// <summary>Called after each epoch's last step with the epochs done (1-based) and the steps done; the model is in
/// training mode before and after (the trainer restores it), the training clock is paused meanwhile.</summary>
public delegate void EpochEnd(int epochsDone, int step);

/// <summary>Training stopped because the loss stopped being a finite number.</summary>
public sealed class NonFiniteLossException(int step, double loss)
    : Exception($"the training loss became {loss} at step {step}; the run is stopped (lower the learning rate or check the weights)")
{
    public int Step { get; } = step;
}

/// <summary>
/// The one training loop: per step a dispose scope, forward and backward per length bucket (<see cref="TrainStep"/>),
/// optional clipping, the linear schedule, an AdamW step. The loss stays on the device and is read every
/// <see cref="TrainOptions.LoggingSteps"/> steps, so the loop never waits on the GPU.
/// </summary>
public static class Trainer
{
    /// <param name="afterEpoch">Per-epoch work outside training (dev evaluation): excluded from the training time, and
    /// it must not touch gradients, the optimizer or the RNG (evaluation in eval mode under no_grad does none of these).</param>
    public static TrainStats Train(TokenClassifier model, IReadOnlyList<Parameter> trainable, IReadOnlyList<SentenceWindow> windows,
        TrainingProfile profile, long seed, int padId, TrainOptions? options = null, TrainProgress? progress = null,
        EpochEnd? afterEpoch = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(profile);
        options ??= new TrainOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.LoggingSteps);
        var device = model.ClassifierParameters()[0].device;
        var lengths = windows.Select(w => w.Length).ToArray();
        var epochs = Enumerable.Range(0, profile.Epochs)
            .Select(e => BatchSampler.Batches(lengths, profile.BatchSize, profile.BatchOrder, unchecked((ulong)seed), e)).ToArray();
        var totalSteps = epochs.Sum(e => e.Length);
        using var optimizer = CreateOptimizer(model, trainable, profile);
        using var lossSum = zeros(1, dtype: float32, device: device);
        var log = new List<LogEntry>();
        long realTokens = 0, paddedTokens = 0;
        var sinceRead = 0;
        var lastLoss = double.NaN;
        Tensor? gradNorm = null;
        // Every batch is bucketed, padded and copied to the device before the clock starts: a host-to-device copy
        // from pageable memory inside the loop would wait for the GPU each step.
        var stepBatches = epochs.Select(batches => batches.Select(b => StepBatch.Upload(windows, b, padId, device, options.BucketOverheadTokens)).ToArray()).ToArray();
        var clock = Stopwatch.StartNew();
        // Opt-in (changes the protocol): the frozen prefix runs once per window without dropout; its time counts.
        using var prefix = options.CachedPrefix ? PrefixCache.Build(model, windows, padId, profile.EvalBatchSize) : null;
        Func<DeviceBatch, Tensor>? forward = prefix is null ? null : bucket => prefix.Forward(bucket.Windows, bucket.AttentionMask);
        prefix?.Prepare(stepBatches.SelectMany(e => e).SelectMany(s => s.Buckets).Select(b => b.Windows));
        model.train();
        var step = 0;
        try
        {
            for (var epoch = 0; epoch < stepBatches.Length; epoch++)
            {
                for (var inEpoch = 0; inEpoch < stepBatches[epoch].Length; inEpoch++)
                {
                    cancel.ThrowIfCancellationRequested();
                    var batch = stepBatches[epoch][inEpoch];
                    var reading = sinceRead + 1 == options.LoggingSteps || step + 1 == totalSteps;
                    var learningRate = profile.LearningRateAt(step, totalSteps);
                    using (var scope = NewDisposeScope())
                    {
                        var loss = TrainStep.AccumulateGradients(model, batch, forward);
                        var norm = TrainStep.ApplyUpdate(optimizer, learningRate, profile.MaxGradNorm, measureNorm: reading);
                        if (reading) gradNorm = norm!.MoveToOuterDisposeScope();
                        using (no_grad()) lossSum.add_(loss);
                    }
                    realTokens += batch.RealTokens;
                    paddedTokens += batch.PaddedTokens;
                    step++;
                    sinceRead++;
                    if (reading)
                    {
                        lastLoss = lossSum.item<float>() / sinceRead;   // the host sync, once per interval
                        var norm = gradNorm!.item<float>();
                        gradNorm.Dispose();
                        lossSum.zero_();
                        if (!double.IsFinite(lastLoss)) throw new NonFiniteLossException(step, lastLoss);
                        log.Add(new LogEntry(step, epoch + (inEpoch + 1.0) / stepBatches[epoch].Length, lastLoss, learningRate, norm));
                        sinceRead = 0;
                    }
                    progress?.Invoke(step, totalSteps, lastLoss);
                }
                if (afterEpoch is not null)
                {
                    // Measured time is training time only; on CUDA the pending steps finish before the clock stops.
                    if (device.type == DeviceType.CUDA) cuda.synchronize(device);
                    clock.Stop();
                    afterEpoch(epoch + 1, step);
                    model.train();
                    clock.Start();
                }
            }
            if (device.type == DeviceType.CUDA) cuda.synchronize(device);
            clock.Stop();
        }
        finally
        {
            foreach (var batch in stepBatches.SelectMany(b => b)) batch.Dispose();
        }
        return new TrainStats(step, realTokens, paddedTokens, clock.Elapsed.TotalSeconds, log) { CachedLayers = prefix?.CachedLayers ?? -1 };
    }

    /// <summary>The profile's AdamW over <paramref name="trainable"/>, with its decay groups.</summary>
    public static FlatAdamW CreateOptimizer(TokenClassifier model, IReadOnlyList<Parameter> trainable, TrainingProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return new FlatAdamW(trainable, profile.LearningRate, profile.Beta1, profile.Beta2, profile.Epsilon, profile.WeightDecay,
            DecayExempt(model, trainable, profile.WeightDecayExclude));
    }

    /// <summary>
    /// The trainable parameters weight decay skips. Hugging Face Trainer's rule: every parameter of a LayerNorm module
    /// (found by type, as its <c>ALL_LAYERNORM_LAYERS</c>) and every parameter whose name contains "bias".
    /// </summary>
    public static IReadOnlyCollection<Parameter> DecayExempt(TokenClassifier model, IReadOnlyList<Parameter> trainable, WeightDecayExclusion rule)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(trainable);
        if (rule == WeightDecayExclusion.None) return [];
        var exempt = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var (_, module) in model.named_modules())
            if (module is LayerNorm norm)
                foreach (var p in norm.parameters()) exempt.Add(p);
        foreach (var (name, p) in model.named_parameters())
            if (name.Contains("bias", StringComparison.Ordinal)) exempt.Add(p);
        var trainableSet = new HashSet<Parameter>(trainable, ReferenceEqualityComparer.Instance);
        return exempt.Where(trainableSet.Contains).ToArray();
    }
}
