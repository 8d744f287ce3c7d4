using POSLayerFreeze.Freezing;
using POSLayerFreeze.Models;
using POSLayerFreeze.Tokenization;
using TorchSharp.Modules;

namespace POSLayerFreeze.Training;

/// <summary>
/// One training run for <see cref="Trainer.Train"/>: what trains (the model and its trainable parameters) on which
/// windows under which profile and seed, and how the loop runs. None of the init-only settings change the math,
/// except that bucketing changes float rounding (recorded with the run) and <see cref="CachedPrefix"/> is a different
/// protocol (recorded too).
/// </summary>
/// <param name="PadId">The tokenizer's pad id, for padding batches.</param>
public sealed record TrainRequest(TokenClassifier Model, IReadOnlyList<Parameter> Trainable, IReadOnlyList<SentenceWindow> Windows,
    TrainingProfile Profile, long Seed, int PadId)
{
    public TokenClassifier Model { get; init; } = Model ?? throw new ArgumentNullException(nameof(Model));
    public IReadOnlyList<Parameter> Trainable { get; init; } = Trainable ?? throw new ArgumentNullException(nameof(Trainable));
    public IReadOnlyList<SentenceWindow> Windows { get; init; } = Windows ?? throw new ArgumentNullException(nameof(Windows));
    public TrainingProfile Profile { get; init; } = Profile ?? throw new ArgumentNullException(nameof(Profile));

    /// <summary>Steps between host reads of the loss (the loop's only host sync; Hugging Face's
    /// <c>logging_steps</c>); runs take it from the profile's <see cref="TrainingProfile.LoggingSteps"/>.</summary>
    public int LoggingSteps
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(LoggingSteps), value, "logging steps must be ≥ 1");
    } = TrainingProfile.DefaultLoggingSteps;

    /// <summary>How the frozen units change at step boundaries (<see cref="FreezePlan.Schedule"/>); null: the
    /// <see cref="Trainable"/> parameters train throughout. With a schedule, <see cref="Trainable"/> lists every
    /// parameter it may ever train (what <see cref="FreezePlan.Apply"/> returns).</summary>
    public FreezeSchedule? Schedule { get; init; }

    /// <summary>Opt-in cached frozen prefix (a different protocol: no dropout in the prefix), see <see cref="PrefixCache"/>.</summary>
    public bool CachedPrefix { get; init; }

    /// <summary>Per-bucket cost for <see cref="MicroBatches.Split"/>; null: each step runs as one padded batch. Which devices
    /// bucket by default is <see cref="Runtime.DevicePolicy"/>'s to say.</summary>
    public int? BucketOverheadTokens { get; init; } = MicroBatches.DefaultOverheadTokens;

    /// <summary>Called after every step.</summary>
    public TrainProgress? Progress { get; init; }

    /// <summary>Per-epoch work outside training (dev evaluation): excluded from the training time, and it must not
    /// touch gradients, the optimizer or the RNG (evaluation in eval mode under no_grad does none of these).</summary>
    public EpochEnd? AfterEpoch { get; init; }

}
