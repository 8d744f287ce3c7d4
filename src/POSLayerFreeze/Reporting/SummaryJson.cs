using System.Text.Json;
using System.Text.Json.Nodes;
using POSLayerFreeze.Evaluation;
using POSLayerFreeze.Experiments;

namespace POSLayerFreeze.Reporting;

/// <summary>summary.json: written from the runs, their statistics and the claims; read back for the figures alone.</summary>
public static class SummaryJson
{
    public static JsonObject Of(IReadOnlyList<RunRecord> runs, IReadOnlyList<ConfigSummary> configs, IReadOnlyList<Claim> claims) => new()
    {
        ["profile"] = runs[0].Metrics["profile"]!.DeepClone(),
        ["model"] = runs[0].Metrics["model"]!.GetValue<string>(),
        ["treebank"] = runs[0].Metrics["treebank"]?.DeepClone() ?? new JsonObject { ["name"] = runs[0].TreebankName },
        ["device"] = runs[0].Metrics["device"]!.GetValue<string>(),
        ["runs"] = runs.Count,
        ["configs"] = new JsonArray(configs.Select(c => (JsonNode)new JsonObject
        {
            ["config"] = c.Config,
            ["frozen"] = new JsonArray(c.Frozen.Select(f => (JsonNode)f).ToArray()),
            ["trainable_parameters"] = c.TrainableParameters,
            ["seeds"] = new JsonArray(c.Seeds.Select(s => (JsonNode)s).ToArray()),
            ["test_accuracy"] = c.TestAccuracy.ToJson(),
            ["dev_accuracy"] = c.DevAccuracy.ToJson(),
            ["test_macro_f1"] = c.MacroF1.ToJson(),
            ["train_tokens_per_second"] = c.TokensPerSecond.ToJson(),
            ["train_seconds"] = c.TrainSeconds?.ToJson(),
            ["versus_baseline"] = c.VersusBaseline?.ToJson(),
            ["versus_baseline_seed_aware"] = c.SeedAware is null ? null : new JsonObject
            {
                ["hierarchical_bootstrap"] = c.SeedAware.ToJson(),
                ["welch"] = c.Welch!.ToJson(),
            },
            ["train_seconds_per_step"] = c.SecondsPerStep.ToJson(),
            ["train_cpu_seconds_per_step"] = c.CpuSecondsPerStep?.ToJson(),
        }).ToArray()),
        ["claims"] = new JsonArray(claims.Select(c => (JsonNode)new JsonObject
        {
            ["id"] = c.Id,
            ["statement"] = c.Statement,
            ["holds"] = c.Holds,
            ["effect"] = c.Effect,
            ["effect_size"] = c.EffectSize,
            ["power"] = c.Power,
        }).ToArray()),
        ["unchecked_claims"] = new JsonArray(Claims.Unchecked(configs).Select(u => (JsonNode)new JsonObject { ["id"] = u.Id, ["reason"] = u.Reason }).ToArray()),
    };

    /// <summary>Reads the per-configuration statistics of a summary.json back; any missing field names the file and entry.</summary>
    public static (IReadOnlyList<ConfigSummary> Configs, string Profile, string Model) Read(string path)
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
            for (var i = 0; i < configs.Length; i++) EnsurePossible(path, $"configs[{i}]", configs[i]);
            return (configs, profile, model);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: a field has the wrong JSON type: {e.Message}", e);
        }
    }

    // A hand-edited summary (accuracy −5, 1e999 read as infinity) must not become a figure: every plotted value must
    // be one a run can produce. Accuracies and F1 are proportions; spreads and throughput are finite and ≥ 0.
    private static void EnsurePossible(string path, string at, ConfigSummary c)
    {
        void Check(string field, double value, double max)
        {
            if (!double.IsFinite(value) || value < 0 || value > max)
                throw new InvalidDataException($"{path}: {at}.{field} is {Runtime.Invariant.Format(value)}, which no run produces (expected {(double.IsPositiveInfinity(max) ? "a finite number ≥ 0" : "a number in [0, 1]")})");
        }
        foreach (var (name, stat, max) in new[] { ("test_accuracy", c.TestAccuracy, 1.0), ("dev_accuracy", c.DevAccuracy, 1.0), ("test_macro_f1", c.MacroF1, 1.0),
                     ("train_tokens_per_second", c.TokensPerSecond, double.PositiveInfinity) })
        {
            Check($"{name}.mean", stat.Mean, max);
            Check($"{name}.sd", stat.Sd, double.PositiveInfinity);
        }
    }
}
