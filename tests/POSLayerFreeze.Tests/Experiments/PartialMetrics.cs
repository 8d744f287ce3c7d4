using System.Text.Json.Nodes;
using POSLayerFreeze.Experiments;

namespace POSLayerFreeze.Tests.Experiments;

/// <summary>
/// Typed metrics from the few fields a test cares about: the rest of what metrics.json requires is filled with
/// placeholders, and the whole goes through the reader's own path (<see cref="RunMetricsFile.Prepare"/>, then
/// <see cref="RunMetricsFile.Typed"/>), so a test builds runs the way a results folder is read.
/// </summary>
internal static class PartialMetrics
{
    public static RunMetrics Of(JsonObject fields)
    {
        var json = new JsonObject
        {
            ["config"] = "baseline",
            ["seed"] = 42,
            ["profile"] = new JsonObject { ["name"] = "test", ["version"] = 1 },
            ["model"] = "synthetic",
            ["device"] = "cpu",
            ["frozen"] = new JsonArray(),
            ["trainable_parameters"] = 1,
            ["train"] = new JsonObject { ["steps"] = 1, ["seconds"] = 1.0, ["tokens_per_second"] = 1.0 },
            ["dev"] = new JsonObject { ["accuracy"] = 0.5, ["words"] = 2, ["correct"] = 1 },
            ["test"] = new JsonObject { ["accuracy"] = 0.5, ["words"] = 2, ["correct"] = 1, ["macro_f1"] = 0.5 },
            ["predictions"] = new JsonObject { ["file"] = RunExecutor.PredictionsFile, ["sha256"] = "" },
            ["inputs"] = new JsonObject(),
            ["inputs_hash"] = "",
        };
        foreach (var (key, value) in fields) json[key] = Merge(json[key], value);
        return RunMetricsFile.Typed(RunMetricsFile.Prepare(json));
    }

    // A field object given in part keeps the placeholders of the parts it does not name (test.words, say).
    private static JsonNode? Merge(JsonNode? placeholder, JsonNode? given)
    {
        if (placeholder is not JsonObject basis || given is not JsonObject overrides) return given?.DeepClone();
        var merged = (JsonObject)basis.DeepClone();
        foreach (var (key, value) in overrides) merged[key] = value?.DeepClone();
        return merged;
    }
}
