using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Analysis;

/// <summary>
/// summary.json's <c>layers</c>: per hidden state (0 = embeddings output … L) the probe's dev accuracy of the
/// pretrained encoder and of each configuration's fine-tuned encoders (mean over the seeds with a saved model), and
/// linear CKA (biased and debiased) between the pretrained and the fine-tuned hidden state on one fixed word sample.
/// </summary>
public sealed record LayerSummary
{
    /// <summary><see cref="ProbeProfile.ToJson"/> of the profile that measured everything here.</summary>
    public required JsonObject ProbeProfile { get; init; }
    public required int NumLayers { get; init; }
    /// <summary>The freeze-plan unit whose output each hidden state is: <c>emb</c>, <c>0</c> … <c>L−1</c>.</summary>
    public required IReadOnlyList<string> Units { get; init; }
    public required int TrainWords { get; init; }
    public required int DevWords { get; init; }
    public required int CkaWords { get; init; }
    /// <summary>Probe dev accuracy (0–1) per hidden state, pretrained encoder.</summary>
    public required IReadOnlyList<double> PretrainedDevAccuracy { get; init; }
    public required IReadOnlyList<LayerConfigRow> Configs { get; init; }
}

/// <summary>One configuration's row: L+1 values each, seed means.</summary>
/// <param name="CkaDebiased">Null where the debiased estimator is undefined (a side's unbiased HSIC ≤ 0).</param>
public sealed record LayerConfigRow(string Config, IReadOnlyList<string> Frozen, IReadOnlyList<long> Seeds,
    IReadOnlyList<double> DevAccuracy, IReadOnlyList<double> Cka, IReadOnlyList<double?> CkaDebiased);

/// <summary>
/// What one encoder measured, cached beside it (a run's <c>layers.json</c>, the folder's <c>layers-pretrained.json</c>)
/// so that <c>poslf report</c> does not probe again. <see cref="Basis"/> names the pretrained encoder, the treebank
/// files and the saved weights; a cache whose basis or profile differs is measured again.
/// </summary>
public sealed record EncoderLayers
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;
    public required JsonObject ProbeProfile { get; init; }
    public required string Basis { get; init; }
    public required int TrainWords { get; init; }
    public required int DevWords { get; init; }
    public required int CkaWords { get; init; }
    public required IReadOnlyList<int> DevCorrect { get; init; }
    /// <summary>Against the pretrained encoder; empty for the pretrained encoder itself.</summary>
    public IReadOnlyList<double> Cka { get; init; } = [];
    public IReadOnlyList<double?> CkaDebiased { get; init; } = [];

    public bool Matches(JsonObject profile, string basis) => SchemaVersion == CurrentSchemaVersion && Basis == basis && JsonNode.DeepEquals(ProbeProfile, profile);

    public string ToJson() => Invariant.ToJson(JsonSerializer.SerializeToNode(this, LayerSummaryContext.Default.EncoderLayers)) + "\n";

    /// <summary>The cache at <paramref name="path"/>, or null when there is none or it cannot be read (it is measured again).</summary>
    public static EncoderLayers? TryRead(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), LayerSummaryContext.Default.EncoderLayers);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, RespectNullableAnnotations = true)]
[JsonSerializable(typeof(EncoderLayers))]
internal sealed partial class LayerSummaryContext : JsonSerializerContext;
