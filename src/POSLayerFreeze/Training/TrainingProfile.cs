using System.Text.Json.Nodes;

namespace POSLayerFreeze.Training;

/// <summary>
/// A named, versioned training protocol, saved with every result. Change a number → bump <see cref="Version"/>,
/// so golden snapshots and resumable runs never mix protocols.
/// </summary>
public sealed record TrainingProfile
{
    public required string Name { get; init; }
    public required int Version { get; init; }
    /// <summary>Train on the first N sentences of the train split (null: all 12,544).</summary>
    public int? TrainSentences { get; init; }
    public required int Epochs { get; init; }
    /// <summary>Sentences (windows) per optimizer step.</summary>
    public required int BatchSize { get; init; }
    public required double LearningRate { get; init; }
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    public double Epsilon { get; init; } = 1e-8;
    public double WeightDecay { get; init; } = 0.01;
    /// <summary>Longest window in tokens ([CLS]/[SEP] included); longer sentences are split, never truncated.
    /// Null: the model's maximum position count.</summary>
    public int? MaxLength { get; init; }
    public int EvalBatchSize { get; init; } = 64;
    /// <summary>Seeds used when none are given: three for the protocol of record, one for the CPU smoke scale.</summary>
    public IReadOnlyList<long> DefaultSeeds { get; init; } = [42, 43, 44];

    /// <summary>The protocol of record (identical on CPU and GPU): AdamW 5e-5 linearly to 0, no warm-up, no
    /// clipping, batches of 32 sentences, 3 epochs over all of train, dropout from the model config.</summary>
    public static TrainingProfile Full { get; } = new()
    {
        Name = "full", Version = 1, TrainSentences = null, Epochs = 3, BatchSize = 32, LearningRate = 5e-5,
    };

    /// <summary>
    /// The same code path at CPU scale (≤ 30 s per configuration on 2 cores with evaluation): 1,024 training
    /// sentences, one epoch, windows of ≤ 128 tokens. lr 5e-4 rather than the 2e-4 of the Hugging Face reference run:
    /// with seed 42 on this code, 2e-4 reached 83.1% test accuracy (below the 85% the profile must reach), 3e-4
    /// 89.3% and 5e-4 91.3%. It still discriminates: all 20.7 &lt; clpf-0…5 28.5 &lt; clpf-0+1+2 86.0 &lt; baseline 91.3.
    /// </summary>
    public static TrainingProfile Smoke { get; } = new()
    {
        Name = "smoke", Version = 1, TrainSentences = 1024, Epochs = 1, BatchSize = 32, LearningRate = 5e-4, MaxLength = 128,
        DefaultSeeds = [42],
    };

    public static TrainingProfile Named(string name) => name.Trim().ToLowerInvariant() switch
    {
        "full" => Full,
        "smoke" => Smoke,
        _ => throw new ArgumentException($"Unknown profile '{name}': expected smoke or full."),
    };

    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["version"] = Version,
        ["train_sentences"] = TrainSentences,
        ["epochs"] = Epochs,
        ["batch_size"] = BatchSize,
        ["learning_rate"] = LearningRate,
        ["betas"] = new JsonArray(Beta1, Beta2),
        ["eps"] = Epsilon,
        ["weight_decay"] = WeightDecay,
        ["schedule"] = "linear to 0, no warm-up, no clipping",
        ["max_length"] = MaxLength,
        ["eval_batch_size"] = EvalBatchSize,
    };
}
