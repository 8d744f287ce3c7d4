using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using POSLayerFreeze.Evaluation;

namespace POSLayerFreeze.Experiments;

/// <summary>
/// A run's <c>metrics.json</c>, field for field (JSON names are the snake_case of these). Written only by
/// <see cref="RunExecutor"/> and read only through <see cref="RunMetricsFile"/>, which upgrades older folders and
/// <see cref="RunReader"/>, which validates; everything else reads these properties. Sub-objects whose shape another
/// part of the code owns (the profile, model config, tokenizer, inputs, confusion matrix) stay JSON objects, written as
/// their owners build them.
/// </summary>
/// <remarks>Nullable fields were added after the first results folders, or exist only in some runs; a null one
/// is left out when written, except where null is itself the value (<c>cached_prefix</c>, <c>saved_model</c>).</remarks>
public sealed record RunMetrics
{
    /// <summary>1: the first versioned schema (the fields of main before issue 24, plus this one).</summary>
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;
    public required string Config { get; init; }
    public required long Seed { get; init; }
    /// <summary><see cref="Training.TrainingProfile.ToJson"/>; its numbers decide the run, so it is also in <see cref="Inputs"/>.</summary>
    public required JsonObject Profile { get; init; }
    public required string Model { get; init; }
    /// <summary>Name and split files (<see cref="ExperimentData.TreebankRecord"/>); null in runs made before it was recorded (all EWT).</summary>
    public RunTreebank? Treebank { get; init; }
    public JsonObject? Tokenizer { get; init; }
    public JsonObject? ModelConfig { get; init; }
    public required string Device { get; init; }
    public bool? Tf32 { get; init; }
    /// <summary>Only with --cached-prefix (a different protocol: no dropout in the cached frozen prefix).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public CachedPrefixStats? CachedPrefix { get; init; }
    /// <summary>The plan's frozen units; for a scheduled plan, those frozen before the first step.</summary>
    public required IReadOnlyList<string> Frozen { get; init; }
    /// <summary>Only for the control plans (random-init, drop-top-K): what was done to the model before training.</summary>
    public Freezing.ControlRecord? Control { get; init; }
    /// <summary>Parameters the optimizer trained; for a scheduled plan, the mean over its steps (rounded).</summary>
    public required long TrainableParameters { get; init; }
    public long? TotalParameters { get; init; }
    public required TrainMetrics Train { get; init; }
    /// <summary>Hugging Face Trainer's <c>log_history</c> (<see cref="TrainLog.LogHistory"/>); empty in runs made before it was written.</summary>
    public IReadOnlyList<LogHistoryEntry> LogHistory { get; init; } = [];
    /// <summary>Only for freeze schedules and layer-wise rates: what trained when, at which rate.</summary>
    public Training.ScheduleTrace? Schedule { get; init; }
    public required DevScores Dev { get; init; }
    public required TestScores Test { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public SavedModelFiles? SavedModel { get; init; }
    /// <summary>What a reader checks before believing the run (<see cref="RunReader"/>): the predictions are the ones scored.</summary>
    public required PredictionsFile Predictions { get; init; }
    /// <summary><see cref="RunSpec.ToJson"/>: everything that decides the numbers; <see cref="InputsHash"/> is its hash.</summary>
    public required JsonObject Inputs { get; init; }
    public required string InputsHash { get; init; }
    /// <summary>Where and with what it ran (<see cref="RunProvenance"/>); never part of the inputs.</summary>
    public RunProvenanceRecord? Provenance { get; init; }

    /// <summary><c>profile.name</c>.</summary>
    [JsonIgnore]
    public string ProfileName => Profile["name"]?.GetValue<string>() ?? "";

    /// <summary><c>profile.version</c>.</summary>
    [JsonIgnore]
    public int? ProfileVersion => Profile["version"]?.GetValue<int>();

    /// <summary><c>profile.eval_each_epoch</c> (absent: off).</summary>
    [JsonIgnore]
    public bool EvalEachEpoch => Profile["eval_each_epoch"]?.GetValue<bool>() == true;

    /// <summary>The treebank's name; runs written before any treebank could be chosen were all UD English EWT.</summary>
    [JsonIgnore]
    public string TreebankName => Treebank?.Name ?? Data.EwtDataset.Name;
}

public sealed record CachedPrefixStats(int CachedLayers);

/// <summary>The treebank a run read: its name (the files' prefix, <c>en_ewt</c>) and its three split files.</summary>
public sealed record RunTreebank
{
    public required string Name { get; init; }
    public TreebankSplitFile? Train { get; init; }
    public TreebankSplitFile? Dev { get; init; }
    public TreebankSplitFile? Test { get; init; }

    /// <summary>The recorded splits in train, dev, test order.</summary>
    [JsonIgnore]
    public IEnumerable<(string Split, TreebankSplitFile File)> Splits =>
        new[] { ("train", Train), ("dev", Dev), ("test", Test) }.Where(s => s.Item2 is not null).Select(s => (s.Item1, s.Item2!));
}

/// <summary>One split file: its content sha256 and counts (words as the CoNLL 2018 scorer counts them).</summary>
public sealed record TreebankSplitFile
{
    public string? File { get; init; }
    public required string Sha256 { get; init; }
    public int? Sentences { get; init; }
    public required long Words { get; init; }
    public int? MultiwordTokens { get; init; }
    public int? EmptyNodes { get; init; }
}

public sealed record TrainMetrics
{
    public required int Steps { get; init; }
    public long? Tokens { get; init; }
    public long? PaddedTokens { get; init; }
    public required double Seconds { get; init; }
    /// <summary>Process CPU seconds of the training call; null in runs made before it was recorded.</summary>
    public double? CpuSeconds { get; init; }
    public required double TokensPerSecond { get; init; }
    /// <summary>The sentences, words and windows actually trained on: a profile's train_sentences is an upper bound.</summary>
    public int? Sentences { get; init; }
    public int? Words { get; init; }
    public int? Windows { get; init; }
    public string? MicroBatches { get; init; }
    /// <summary>[step, loss] pairs, loss rounded to 6 decimals.</summary>
    public IReadOnlyList<double[]>? Loss { get; init; }
}

/// <summary>One entry of <c>log_history</c>: a logging step (loss, grad_norm, learning_rate) or an evaluation (eval_accuracy).</summary>
public sealed record LogHistoryEntry
{
    public required double Epoch { get; init; }
    public double? GradNorm { get; init; }
    public double? LearningRate { get; init; }
    public double? Loss { get; init; }
    public double? EvalAccuracy { get; init; }
    public required int Step { get; init; }
}

public sealed record DevScores
{
    public required double Accuracy { get; init; }
    public required long Words { get; init; }
    public required long Correct { get; init; }
    public double? MacroF1 { get; init; }
}

/// <summary><see cref="TagMetrics.ToJson"/> as read back.</summary>
public sealed record TestScores
{
    public required double Accuracy { get; init; }
    public required long Words { get; init; }
    public required long Correct { get; init; }
    public required double MacroF1 { get; init; }
    public IReadOnlyDictionary<string, TagScore>? PerTag { get; init; }
    public JsonObject? Confusion { get; init; }
}

public sealed record SavedModelFiles(string Directory, IReadOnlyDictionary<string, string> Sha256);

public sealed record PredictionsFile(string File, string Sha256);

/// <summary>Versions, device, commit and date of a run; the fingerprint picks a golden's comparison rule.</summary>
public sealed record RunProvenanceRecord
{
    public string? Torchsharp { get; init; }
    public string? Libtorch { get; init; }
    public string? Backend { get; init; }
    public string? Device { get; init; }
    public JsonObject? Fingerprint { get; init; }
    public string? Commit { get; init; }
    public string? Machine { get; init; }
    public string? DateUtc { get; init; }
}

/// <summary>System.Text.Json source generation for <see cref="RunMetrics"/> (no reflection, one set of options).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, RespectNullableAnnotations = true)]
[JsonSerializable(typeof(RunMetrics))]
[JsonSerializable(typeof(RunTreebank))]
internal sealed partial class RunMetricsContext : JsonSerializerContext;
