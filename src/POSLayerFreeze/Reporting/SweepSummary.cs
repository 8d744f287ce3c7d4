using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using POSLayerFreeze.Evaluation;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Reporting;

/// <summary>
/// A results folder's <c>summary.json</c>, field for field: what the runs were (profile, model, treebank, device),
/// each configuration's statistics across seeds, and the seed README's claims. Written and read only through
/// <see cref="SweepSummaryFile"/>. The comparisons against the baseline stay the JSON their Evaluation types write.
/// </summary>
public sealed record SweepSummary
{
    /// <summary>1: the first versioned schema (the fields of main before issue 24, plus this one).</summary>
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;
    public required JsonObject Profile { get; init; }
    public required string Model { get; init; }
    public JsonObject? Treebank { get; init; }
    public string? Device { get; init; }
    public int Runs { get; init; }
    public required IReadOnlyList<SummaryConfig> Configs { get; init; }
    public IReadOnlyList<SummaryClaim> Claims { get; init; } = [];
    public IReadOnlyList<UncheckedClaim> UncheckedClaims { get; init; } = [];
    /// <summary>Probes and CKA per hidden state (issue 27); only in studies whose runs saved their models, and left
    /// out otherwise so that every other summary.json stays as it was.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Analysis.LayerSummary? Layers { get; init; }

    /// <summary><c>profile.name</c>.</summary>
    [JsonIgnore]
    public string ProfileName => Profile["name"]?.GetValue<string>() ?? "";
}

/// <summary>One configuration across its seeds (<see cref="ConfigSummary"/> as written).</summary>
public sealed record SummaryConfig
{
    public required string Config { get; init; }
    public required IReadOnlyList<string> Frozen { get; init; }
    public required long TrainableParameters { get; init; }
    public required IReadOnlyList<long> Seeds { get; init; }
    public required MeanSd TestAccuracy { get; init; }
    public required MeanSd DevAccuracy { get; init; }
    public required MeanSd TestMacroF1 { get; init; }
    public required MeanSd TrainTokensPerSecond { get; init; }
    /// <summary>Null in summaries written before it was recorded.</summary>
    public MeanSd? TrainSeconds { get; init; }
    /// <summary><see cref="BootstrapResult.ToJson"/>; null for the baseline.</summary>
    public JsonObject? VersusBaseline { get; init; }
    public SeedAwareComparison? VersusBaselineSeedAware { get; init; }
    public MeanSd? TrainSecondsPerStep { get; init; }
    public MeanSd? TrainCpuSecondsPerStep { get; init; }
}

/// <summary><see cref="SeedAwareResult.ToJson"/> of both seed-aware rules.</summary>
public sealed record SeedAwareComparison(JsonObject HierarchicalBootstrap, JsonObject Welch);

public sealed record SummaryClaim(string Id, string Statement, bool Holds, string Effect, double EffectSize, string Power);

public sealed record UncheckedClaim(string Id, string Reason);

/// <summary>System.Text.Json source generation for <see cref="SweepSummary"/>: nulls are written (an absent comparison is null).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, RespectNullableAnnotations = true)]
[JsonSerializable(typeof(SweepSummary))]
internal sealed partial class SweepSummaryContext : JsonSerializerContext;

/// <summary>summary.json text and back, like <see cref="RunMetricsFile"/> for metrics.json.</summary>
public static class SweepSummaryFile
{
    public static string ToJson(SweepSummary summary) =>
        Invariant.ToJson(JsonSerializer.SerializeToNode(summary, SweepSummaryContext.Default.SweepSummary)) + "\n";

    /// <summary>
    /// Reads a summary.json; one written before <c>schema_version</c> existed is version 1. Anything that is not a
    /// summary poslf wrote is an <see cref="InvalidDataException"/> naming the file and the field.
    /// </summary>
    public static SweepSummary Read(string path)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON: {e.Message}", e);
        }
        var version = root["schema_version"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : 0;
        if (version > SweepSummary.CurrentSchemaVersion)
            throw new InvalidDataException($"{path}: field 'schema_version' is {version}, newer than this poslf reads ({SweepSummary.CurrentSchemaVersion}): use a newer poslf");
        root["schema_version"] = SweepSummary.CurrentSchemaVersion;
        try
        {
            var summary = JsonSerializer.Deserialize((JsonObject)RunMetricsFile.Canonical(root)!, SweepSummaryContext.Default.SweepSummary)
                ?? throw new InvalidDataException($"{path}: empty JSON");
            if (summary.Configs.Count == 0) throw new InvalidDataException($"{path}: configs is empty");
            return summary;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {RunMetricsFile.Problem(e)} (not a summary.json written by poslf)", e);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }
}
