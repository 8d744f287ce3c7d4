using System.Diagnostics;
using POSLayerFreeze.Data;
using POSLayerFreeze.Models;
using POSLayerFreeze.Tokenization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace POSLayerFreeze.Training;

/// <summary>
/// The one training loop, in nanoGPT's order: per step the learning rate of the schedule, the batch (already on the
/// device), forward and backward per length bucket, optional clipping, the AdamW step, the log. The loss stays on the
/// device and is read every <see cref="TrainRequest.LoggingSteps"/> steps, so the loop never waits on the GPU.
/// </summary>
public static class Trainer
{
    public static TrainStats Train(TrainRequest request, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (model, windows, profile) = (request.Model, request.Windows, request.Profile);
        var device = model.ClassifierParameters()[0].device;
        // Every step's batch, a pure function of the windows, the profile and the seed: each epoch's order, each
        // step's length buckets, padded.
        var lengths = windows.Select(w => w.Length).ToArray();
        var epochs = Enumerable.Range(0, profile.Epochs)
            .Select(e => BatchSampler.Batches(lengths, profile.BatchSize, profile.BatchOrder, unchecked((ulong)request.Seed), e)).ToArray();
        var totalSteps = epochs.Sum(e => e.Length);
        if (request.Schedule is { } refused && request.CachedPrefix)
            throw new ArgumentException($"cached_prefix: the plan '{refused.Name}' changes its frozen units during training, so there is no fixed prefix to cache");
        using var optimizer = CreateOptimizer(model, request.Trainable, profile, byUnit: request.Schedule is not null);
        // Freeze schedules and layer rates change which parameters train at which rate; they record what they did.
        var schedule = request.Schedule is not null || profile.LayerDecay != 1.0
            ? new ScheduleRunner(request.Schedule, model, optimizer, request.Trainable) : null;
        using var lossSum = zeros(1, dtype: float32, device: device);
        // Each step's loss of the current interval, read only when the interval's mean is not finite, to name the step
        // where the loss first stopped being a number rather than the step of the read.
        using var stepLosses = zeros(request.LoggingSteps, dtype: float32, device: device);
        var log = new List<LogEntry>();
        long realTokens = 0, paddedTokens = 0;
        var sinceRead = 0;
        var lastLoss = double.NaN;
        Tensor? gradNorm = null;
        // Copied to the device before the clock starts: a host-to-device copy from pageable memory inside the loop
        // would wait for the GPU each step.
        var batches = epochs.Select(epoch => epoch
            .Select(b => StepBatch.Upload(StepBatch.Pad(windows, b, request.PadId, request.BucketOverheadTokens), device)).ToArray()).ToArray();
        var clock = Stopwatch.StartNew();
        // Opt-in (changes the protocol): the frozen prefix runs once per window without dropout; its time counts.
        using var prefix = request.CachedPrefix ? PrefixCache.Build(model, windows, request.PadId, profile.EvalBatchSize) : null;
        model.train();
        var step = 0;
        try
        {
            for (var epoch = 0; epoch < batches.Length; epoch++)
            {
                for (var inEpoch = 0; inEpoch < batches[epoch].Length; inEpoch++)
                {
                    cancel.ThrowIfCancellationRequested();
                    schedule?.BeforeStep(new Freezing.ScheduleClock(step, epoch, totalSteps));
                    var learningRate = profile.LearningRateAt(step, totalSteps);
                    optimizer.LearningRate = learningRate;
                    var batch = batches[epoch][inEpoch];
                    var reading = sinceRead + 1 == request.LoggingSteps || step + 1 == totalSteps;
                    using (var scope = NewDisposeScope())
                    {
                        var loss = Backward(model, prefix, batch);
                        // The norm before clipping: always when clipping, else only when it is logged (no extra kernel).
                        var norm = profile.MaxGradNorm is { } max ? optimizer.ClipGradNorm(max) : reading ? optimizer.GradNorm() : null;
                        optimizer.Step();
                        optimizer.ZeroGrad();
                        if (reading) gradNorm = norm!.MoveToOuterDisposeScope();
                        using (no_grad())
                        {
                            lossSum.add_(loss);
                            stepLosses[sinceRead].copy_(loss);
                        }
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
                        if (!double.IsFinite(lastLoss)) throw FirstNonFinite(stepLosses, sinceRead, step);
                        log.Add(new LogEntry(step, epoch + (inEpoch + 1.0) / batches[epoch].Length, lastLoss, learningRate, norm));
                        sinceRead = 0;
                    }
                    request.Progress?.Invoke(step, totalSteps, lastLoss);
                }
                if (request.AfterEpoch is { } afterEpoch)
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
            foreach (var batch in batches.SelectMany(b => b)) batch.Dispose();
        }
        return new TrainStats(step, realTokens, paddedTokens, clock.Elapsed.TotalSeconds, log)
        {
            CachedLayers = prefix?.CachedLayers ?? -1, Schedule = schedule?.Trace(profile.LayerDecay),
        };
    }

    /// <summary>The step of the interval whose loss was the first not finite (the last <paramref name="count"/> steps
    /// ended at <paramref name="lastStep"/>), with that loss.</summary>
    private static NonFiniteLossException FirstNonFinite(Tensor stepLosses, int count, int lastStep)
    {
        var losses = stepLosses.cpu().data<float>().ToArray();
        var first = Array.FindIndex(losses, 0, count, l => !float.IsFinite(l));
        // A sum of finite float losses can overflow to infinity although none is: then the read's step is named.
        return first < 0 ? new NonFiniteLossException(lastStep, float.PositiveInfinity) : new NonFiniteLossException(lastStep - count + first + 1, losses[first]);
    }

    /// <summary>
    /// Forward and backward of one step's batch, bucket by bucket, through the model or, in cached-prefix mode, through
    /// <paramref name="prefix"/>. Each bucket's loss is its summed cross-entropy (ignore −100) divided by the
    /// labelled-token count of the <em>whole</em> batch, so the accumulated gradient and the summed loss equal those of
    /// the padded batch's mean cross-entropy (what Hugging Face computes), whatever the bucketing. Returns that mean
    /// loss (a detached device scalar); the gradients are accumulated into the trainable parameters.
    /// </summary>
    public static Tensor Backward(TokenClassifier model, PrefixCache? prefix, StepBatch batch)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batch);
        Tensor? total = null;
        foreach (var bucket in batch.Buckets)
        {
            var logits = prefix is null                                                                      // [b, T, labels]
                ? model.call(bucket.InputIds, bucket.AttentionMask)
                : prefix.Forward(bucket.Windows, bucket.AttentionMask);
            var summed = cross_entropy(logits.view(-1, logits.shape[^1]), bucket.Labels.view(-1), ignore_index: Upos.IgnoreIndex,
                reduction: nn.Reduction.Sum);
            var loss = summed / batch.LabelledTokens;
            loss.backward();
            total = total is null ? loss.detach() : total + loss.detach();
        }
        return total!;
    }

    /// <summary>The profile's AdamW over <paramref name="trainable"/>, with its decay groups; one parameter group per unit
    /// (<see cref="LayerRates"/>) when the profile decays rates by layer or <paramref name="byUnit"/> (a freeze schedule
    /// moves units in and out of it).</summary>
    public static FlatAdamW CreateOptimizer(TokenClassifier model, IReadOnlyList<Parameter> trainable, TrainingProfile profile, bool byUnit = false)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var exempt = DecayExempt(model, trainable, profile.WeightDecayExclude);
        return byUnit || profile.LayerDecay != 1.0
            ? FlatAdamW.ForGroups(LayerRates.Groups(model, trainable, profile.LayerDecay), profile.LearningRate, profile.Beta1, profile.Beta2,
                profile.Epsilon, profile.WeightDecay, exempt)
            : new FlatAdamW(trainable, profile.LearningRate, profile.Beta1, profile.Beta2, profile.Epsilon, profile.WeightDecay, exempt);
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
