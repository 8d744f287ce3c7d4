using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using POSLayerFreeze.Freezing;
using ScottPlot;

namespace POSLayerFreeze.Benchmarks;

/// <summary>
/// Writes <c>&lt;title&gt;-throughput.png</c> beside the other reports: real tokens/s against the number of frozen
/// encoder layers for <see cref="TrainingStepBenchmarks"/>, one line per model (and TF32 setting) through
/// baseline → slpf-0 → the CLPF prefixes → all (drawn at L+1: every layer plus the embeddings), with the other
/// single-layer configurations as markers at 1.
/// </summary>
public sealed class ThroughputPlotExporter : IExporter
{
    public static ThroughputPlotExporter Instance { get; } = new();

    public string Name => "throughput-plot";

    public void ExportToLog(Summary summary, ILogger logger)
    {
    }

    public IEnumerable<string> ExportToFiles(Summary summary, ILogger consoleLogger)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var points = new List<(string Series, string Config, double X, double TokensPerSecond)>();
        foreach (var report in summary.Reports)
        {
            var benchmarkCase = report.BenchmarkCase;
            if (benchmarkCase.Descriptor.Type != typeof(TrainingStepBenchmarks) || report.ResultStatistics is not { } statistics) continue;
            if (BenchMetrics.Find(benchmarkCase) is not { } metrics) continue;
            var config = TrainingStepBenchmarks.ConfigOf(benchmarkCase);
            var layers = TrainingStepBenchmarks.Layers;
            var plan = FreezePlan.Parse(config, layers);
            var frozenLayers = plan.FrozenUnits.Count(u => u != "emb");
            var x = plan.FrozenUnits.Contains("emb") ? layers + 1 : frozenLayers;
            var series = string.Join(" ", benchmarkCase.Parameters.Items.OrderBy(p => p.Name, StringComparer.Ordinal)
                .Where(p => p.Name != "Config").Select(p => p.Name == "Tf32" ? ((bool)p.Value! ? "TF32" : "fp32") : Convert.ToString(p.Value, System.Globalization.CultureInfo.InvariantCulture)));
            points.Add((series, plan.Name, x, metrics.RealTokensPerOp / (statistics.Mean / 1e9)));
        }
        if (points.Count == 0) yield break;

        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var index = 0;
        foreach (var group in points.GroupBy(p => p.Series).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var color = palette.GetColor(index++);
            var line = group.Where(p => p.Config == "baseline" || p.Config == "slpf-0" || p.Config.StartsWith("clpf-0+1", StringComparison.Ordinal) || p.Config == "all")
                .OrderBy(p => p.X).ToArray();
            if (line.Length > 0)
            {
                var scatter = plot.Add.Scatter(line.Select(p => p.X).ToArray(), line.Select(p => p.TokensPerSecond).ToArray(), color);
                scatter.LegendText = group.Key + " (prefixes)";
                scatter.MarkerSize = 7;
            }
            var singles = group.Where(p => p.Config.StartsWith("slpf-", StringComparison.Ordinal) && p.Config != "slpf-0").ToArray();
            if (singles.Length > 0)
            {
                var markers = plot.Add.ScatterPoints(singles.Select(p => p.X).ToArray(), singles.Select(p => p.TokensPerSecond).ToArray(), color);
                markers.MarkerShape = MarkerShape.OpenCircle;
                markers.MarkerSize = 8;
                markers.LegendText = group.Key + " (slpf-1…5)";
            }
        }
        var maxX = TrainingStepBenchmarks.Layers + 1;
        var ticks = Enumerable.Range(0, maxX + 1)
            .Select(i => new Tick(i, i == maxX ? "all" : i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.Bottom.Label.Text = "frozen encoder layers (all = every layer + embeddings)";
        plot.Axes.Left.Label.Text = "real tokens / s (training step)";
        plot.Title($"Training throughput vs frozen layers ({BenchEnvironment.DeviceName}, batch {BenchEnvironment.BatchSize}×{BenchEnvironment.SequenceLength})");
        plot.Axes.SetLimitsX(-0.3, maxX + 0.3);
        plot.Axes.SetLimitsY(0, points.Max(p => p.TokensPerSecond) * 1.1);
        plot.ShowLegend(Alignment.UpperLeft);
        var path = Path.Combine(summary.ResultsDirectoryPath, summary.Title + "-throughput.png");
        Directory.CreateDirectory(summary.ResultsDirectoryPath);
        plot.SavePng(path, 900, 560);
        yield return path;
    }
}
