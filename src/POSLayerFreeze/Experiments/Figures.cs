using System.Text.Json;
using System.Text.Json.Nodes;
using POSLayerFreeze.Evaluation;

namespace POSLayerFreeze.Experiments;

/// <summary>
/// The figures of a results folder (result.png, tradeoff.png), drawn from per-configuration statistics: either
/// freshly summarized runs or a summary.json alone (a committed result, a folder whose runs were not kept).
/// </summary>
public static class Figures
{
    public const string TradeoffFile = "tradeoff.png";

    public static IReadOnlyList<PlottedFigure> Write(string outDir, IReadOnlyList<ConfigSummary> configs, string profile, string model) =>
    [
        ResultPlot.Save(Path.Combine(outDir, Summary.FigureFile), configs, profile, model),
        ResultPlot.SaveTradeoff(Path.Combine(outDir, TradeoffFile), configs, profile, model),
    ];

    /// <summary>Redraws the figures of <paramref name="outDir"/> from its summary.json (no runs needed).</summary>
    public static IReadOnlyList<PlottedFigure> WriteFromSummary(string outDir)
    {
        var (configs, profile, model) = ReadSummary(Path.Combine(outDir, Summary.JsonFile));
        return Write(outDir, configs, profile, model);
    }

    /// <summary>Reads the per-configuration statistics of a summary.json back; any missing field names the file and entry.</summary>
    public static (IReadOnlyList<ConfigSummary> Configs, string Profile, string Model) ReadSummary(string path)
    {
        JsonNode root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path}: empty JSON");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON: {e.Message}", e);
        }
        JsonNode Need(JsonNode node, string key, string where) =>
            node[key] ?? throw new InvalidDataException($"{path}: {where} has no '{key}' (not a summary.json written by poslf)");
        try
        {
            var profile = Need(Need(root, "profile", "the root"), "name", "profile").GetValue<string>();
            var model = Need(root, "model", "the root").GetValue<string>();
            var configs = Need(root, "configs", "the root").AsArray().Select((node, i) =>
            {
                var c = node ?? throw new InvalidDataException($"{path}: configs[{i}] is null");
                var at = $"configs[{i}]";
                return new ConfigSummary(Need(c, "config", at).GetValue<string>(),
                    Need(c, "frozen", at).AsArray().Select(f => f!.GetValue<string>()).ToArray(),
                    Need(c, "trainable_parameters", at).GetValue<long>(),
                    Need(c, "seeds", at).AsArray().Select(s => s!.GetValue<long>()).ToArray(),
                    MeanSd.FromJson(Need(c, "test_accuracy", at)), MeanSd.FromJson(Need(c, "dev_accuracy", at)),
                    MeanSd.FromJson(Need(c, "test_macro_f1", at)), MeanSd.FromJson(Need(c, "train_tokens_per_second", at)),
                    c["versus_baseline"] is { } v ? BootstrapResult.FromJson(v) : null)
                {
                    TrainSeconds = c["train_seconds"] is { } t ? MeanSd.FromJson(t) : null,
                };
            }).ToArray();
            if (configs.Length == 0) throw new InvalidDataException($"{path}: configs is empty");
            return (configs, profile, model);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: a field has the wrong JSON type: {e.Message}", e);
        }
    }
}
