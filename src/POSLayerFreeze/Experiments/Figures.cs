using System.Text.Json;
using System.Text.Json.Nodes;
using POSLayerFreeze.Evaluation;

namespace POSLayerFreeze.Experiments;

/// <summary>One configuration's training curves, read from its runs' log_history and averaged over seeds.</summary>
/// <param name="Loss">(step, training loss) at each logged step, the mean over the seeds that logged that step.</param>
/// <param name="DevAccuracy">(epoch, dev accuracy in percent) of each evaluation, the mean over seeds.</param>
/// <param name="EachEpoch">Some run of the configuration had <c>eval_each_epoch</c> on.</param>
public sealed record ConfigCurves(string Config, int Seeds, IReadOnlyList<(int Step, double Loss)> Loss,
    IReadOnlyList<(double Epoch, double Accuracy)> DevAccuracy, bool EachEpoch)
{
    /// <summary>The curves of every configuration in <paramref name="runs"/>, in <paramref name="order"/> (the summary's).</summary>
    public static IReadOnlyList<ConfigCurves> Of(IReadOnlyList<RunRecord> runs, IReadOnlyList<string> order)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(order);
        return order.Select(config =>
        {
            var mine = runs.Where(r => r.Config == config).ToArray();
            var history = mine.SelectMany(r => r.Metrics["log_history"]?.AsArray().Select(e => e!) ?? []).ToArray();
            var loss = history.Where(e => e["loss"] is not null)
                .GroupBy(e => e["step"]!.GetValue<int>())
                .OrderBy(g => g.Key)
                .Select(g => (g.Key, g.Average(e => e["loss"]!.GetValue<double>()))).ToArray();
            var dev = history.Where(e => e["eval_accuracy"] is not null)
                .GroupBy(e => e["epoch"]!.GetValue<double>())
                .OrderBy(g => g.Key)
                .Select(g => (g.Key, g.Average(e => e["eval_accuracy"]!.GetValue<double>()) * 100)).ToArray();
            var eachEpoch = mine.Any(r => r.Metrics["profile"]?["eval_each_epoch"]?.GetValue<bool>() == true);
            return new ConfigCurves(config, mine.Length, loss, dev, eachEpoch);
        }).ToArray();
    }
}

/// <summary>
/// The figures of a results folder (result.png, tradeoff.png, curves.png). result.png and tradeoff.png are drawn from
/// per-configuration statistics: either freshly summarized runs or a summary.json alone (a committed result, a folder
/// whose runs were not kept); curves.png needs the runs' training logs, so it is drawn only where the runs are.
/// </summary>
public static class Figures
{
    public const string TradeoffFile = "tradeoff.png";
    public const string CurvesFile = "curves.png";

    /// <param name="runs">The runs behind <paramref name="configs"/>: with them curves.png is drawn too.</param>
    public static IReadOnlyList<PlottedFigure> Write(string outDir, IReadOnlyList<ConfigSummary> configs, string profile, string model,
        IReadOnlyList<RunRecord>? runs = null)
    {
        ArgumentNullException.ThrowIfNull(configs);
        var figures = new List<PlottedFigure>
        {
            ResultPlot.Save(Path.Combine(outDir, Summary.FigureFile), configs, profile, model),
            ResultPlot.SaveTradeoff(Path.Combine(outDir, TradeoffFile), configs, profile, model),
        };
        if (runs is { Count: > 0 })
        {
            figures.Add(ResultPlot.SaveCurves(Path.Combine(outDir, CurvesFile),
                ConfigCurves.Of(runs, configs.Select(c => c.Config).ToArray()), profile, model));
        }
        return figures;
    }

    /// <summary>Draws curves.png of <paramref name="outDir"/> from its finished runs (summary order).</summary>
    public static PlottedFigure WriteCurves(string outDir)
    {
        var runs = Summary.Collect(outDir);
        if (runs.Count == 0) throw new InvalidDataException($"{outDir}: no finished runs, no */seed-*/{RunExecutor.MetricsFile}");
        var configs = Summary.Summarize(runs);
        return ResultPlot.SaveCurves(Path.Combine(outDir, CurvesFile), ConfigCurves.Of(runs, configs.Select(c => c.Config).ToArray()),
            runs[0].ProfileName, runs[0].Metrics["model"]!.GetValue<string>());
    }

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
