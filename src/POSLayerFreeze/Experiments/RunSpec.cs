using System.Globalization;
using System.Text.Json.Nodes;
using POSLayerFreeze.Data;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Experiments;

/// <summary>
/// Everything that decides one run's numbers. Two runs with the same <see cref="InputsHash"/> are the same
/// experiment, so a sweep finding a finished run with that hash does not repeat it.
/// </summary>
/// <param name="BucketOverheadTokens">Length buckets per step (<see cref="MicroBatches"/>) with this per-bucket cost;
/// null: one padded batch per step. The math is the same either way; float rounding is not, so it is an input.</param>
public sealed record RunSpec(string Config, long Seed, TrainingProfile Profile, string Model, string ModelIdentity, string Device, bool Tf32,
    bool CachedPrefix = false, int? BucketOverheadTokens = MicroBatches.DefaultOverheadTokens)
{
    /// <summary>Bump when the training or evaluation code changes what a run computes. 2: Hugging Face's batch
    /// order and weight-decay groups, length-bucketed steps, summed-then-normalised loss.</summary>
    public const int ProtocolRevision = 2;

    /// <summary>Cached-prefix mode caches a frozen prefix once per window; a scheduled plan has none that stays frozen.</summary>
    public bool CachedPrefix { get; init; } = CachedPrefix && Freezing.FreezePlanName.TryRead(Config)?.Schedule is { } schedule
        ? throw new ArgumentException($"cached_prefix: the plan '{schedule.Name}' changes its frozen units during training, so there is no fixed prefix to cache")
        : CachedPrefix;

    /// <summary>Keep the fine-tuned model as a Hugging Face folder (<c>model/</c>). Changes no number, so it is not an
    /// input: a finished run without the folder is rerun when asked for it (<see cref="RunExecutor.IsFinished"/>).</summary>
    public bool SaveModel { get; init; }
    /// <summary>
    /// The protocol sources (training, freezing, tokenization, model, scoring code) as they were at this revision:
    /// a test fails, naming the files, when they change while the revision does not. Bumping the revision means
    /// recording the new hash here (the failing test prints it).
    /// </summary>
    public const string ProtocolSourceHash = "741a253ac0e9c76a";

    /// <summary>How each step's batch runs, as recorded in the inputs and metrics.</summary>
    public string MicroBatchesName => BucketOverheadTokens is { } overhead
        ? "length-buckets (overhead " + overhead.ToString(CultureInfo.InvariantCulture) + " tokens)"
        : "padded-batch";

    /// <summary>The treebank files the run reads, by content.</summary>
    public required DatasetIdentity Dataset { get; init; }

    public string RelativeDirectory => Path.Combine(Config, "seed-" + Seed.ToString(CultureInfo.InvariantCulture));

    /// <summary>The inputs as JSON; <c>cached_prefix</c> appears only when set, so earlier runs keep their hash.</summary>
    public JsonObject ToJson()
    {
        var json = Inputs();
        if (CachedPrefix) json["cached_prefix"] = true;
        return json;
    }

    private JsonObject Inputs() => new()
    {
        ["config"] = Config,
        ["seed"] = Seed,
        ["profile"] = Profile.ToJson(),
        ["model"] = Model,
        ["model_identity"] = ModelIdentity,
        ["device"] = Device,
        ["tf32"] = Tf32,
        ["micro_batches"] = MicroBatchesName,
        ["protocol_revision"] = ProtocolRevision,
        ["dataset"] = Dataset.ToHashJson(),
    };

    /// <summary>The resume key: <see cref="RunMetricsFile.InputsHash"/> of <see cref="ToJson"/>.</summary>
    public string InputsHash => RunMetricsFile.InputsHash(ToJson());

    /// <summary>Deterministic split of a sweep: sorted by (config, seed), item k goes to shard k mod n.</summary>
    public static IReadOnlyList<RunSpec> Shard(IReadOnlyList<RunSpec> specs, int index, int count)
    {
        if (count < 1 || index < 0 || index >= count)
            throw new ArgumentException($"{index}/{count} is not a shard: expected i/n with 0 ≤ i < n");
        return specs.OrderBy(s => s.Config, StringComparer.Ordinal).ThenBy(s => s.Seed)
            .Where((_, k) => k % count == index).ToArray();
    }

    /// <summary>Parses "i/n".</summary>
    public static (int Index, int Count) ParseShard(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var i)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && i < n)
            return (i, n);
        throw new FormatException($"'{text}' is not a shard: expected i/n with 0 ≤ i < n, e.g. 0/4");
    }
}
