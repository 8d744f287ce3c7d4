using POSLayerFreeze.Runtime;
using ScottPlot;

namespace POSLayerFreeze.Experiments;

/// <summary>
/// The seed README's single comparison figure, done properly: one bar per configuration (baseline, SLPF, CLPF in
/// distinct colours), mean test accuracy with ± sd error bars across seeds, and a dashed baseline reference line.
/// </summary>
public static class ResultPlot
{
    public static void Save(string path, IReadOnlyList<ConfigSummary> configs, string profile, string model, int width = 1400, int height = 700)
    {
        var plot = new Plot();
        var baselineColor = Colors.Gray;
        var slpfColor = Color.FromHex("#1f77b4");
        var clpfColor = Color.FromHex("#d62728");
        var bars = new List<Bar>();
        var ticks = new List<Tick>();
        for (var i = 0; i < configs.Count; i++)
        {
            var c = configs[i];
            var color = c.Config == "baseline" ? baselineColor : c.Config.StartsWith("slpf", StringComparison.Ordinal) ? slpfColor : clpfColor;
            bars.Add(new Bar
            {
                Position = i,
                Value = c.TestAccuracy.Mean * 100,
                Error = c.TestAccuracy.Sd * 100,
                FillColor = color,
                Label = (c.TestAccuracy.Mean * 100).ToString("F1", Invariant.Culture),
            });
            ticks.Add(new Tick(i, c.Config));
        }
        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 11;
        if (configs.FirstOrDefault(c => c.Config == "baseline") is { } baseline)
        {
            var line = plot.Add.HorizontalLine(baseline.TestAccuracy.Mean * 100);
            line.LinePattern = LinePattern.Dashed;
            line.Color = Colors.Black;
            line.LegendText = $"baseline {(baseline.TestAccuracy.Mean * 100).ToString("F2", Invariant.Culture)}%";
        }
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "baseline", FillColor = baselineColor });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "SLPF (one layer frozen)", FillColor = slpfColor });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "CLPF (layers frozen together)", FillColor = clpfColor });
        plot.Legend.Alignment = Alignment.LowerLeft;
        plot.ShowLegend();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = -35;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.MinimumSize = 90;
        var seeds = configs.Max(c => c.Seeds.Count);
        plot.Title($"UPOS test accuracy by freeze configuration ({model}, {profile} profile, mean ± sd over {seeds} seed(s))");
        plot.YLabel("test accuracy (%)");
        var low = configs.Min(c => c.TestAccuracy.Mean - c.TestAccuracy.Sd) * 100;
        plot.Axes.SetLimitsY(Math.Max(0, Math.Floor(low / 5) * 5 - 5), 100);
        plot.Axes.SetLimitsX(-0.7, configs.Count - 0.3);
        var png = plot.GetImageBytes(width, height, ImageFormat.Png);
        AtomicFile.WriteAllBytes(path, png);
    }
}
