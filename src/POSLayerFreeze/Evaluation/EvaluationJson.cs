using System.Text.Json.Nodes;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Evaluation;

/// <summary>Number nodes for evaluation JSON, written as the round-trip ("R") invariant text of <see cref="Invariant"/>.</summary>
internal static class EvaluationJson
{
    public static JsonNode Number(double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "JSON numbers must be finite.");
        return JsonNode.Parse(Invariant.Format(value))!;
    }

    public static double Double(JsonNode node, string key) =>
        (node[key] ?? throw new FormatException($"JSON has no '{key}'.")).GetValue<double>();

    public static long Long(JsonNode node, string key) =>
        (node[key] ?? throw new FormatException($"JSON has no '{key}'.")).GetValue<long>();
}
