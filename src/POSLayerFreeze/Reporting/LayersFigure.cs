using POSLayerFreeze.Analysis;
using POSLayerFreeze.Runtime;
using ScottPlot;
using static POSLayerFreeze.Reporting.Plotting;

namespace POSLayerFreeze.Reporting;

/// <summary>
/// <c>layers.png</c>: left, probe dev accuracy per hidden state, the pretrained encoder dashed black and each
/// configuration in its family colour (frozen units' outputs as squares); right, the CKA heat map (configuration ×
/// hidden state, value written in each cell, frozen units' outputs outlined). Drawn from <see cref="LayerSummary"/>
/// alone, so summary.json redraws it. Returns what it drew: panels <c>probe</c>, <c>cka</c> and <c>frozen</c> (the
/// outlined cells).
/// </summary>
public static class LayersFigure
{
    public const int Width = 1400;
    public const int Height = 650;
    public const string Pretrained = "pretrained";

    public static PlottedFigure Save(string path, LayerSummary layers, string profile, string model, int width = Width, int height = Height)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var half = width / 2;
        var probe = ProbePanel(layers, $"Probe accuracy per hidden state ({model}, {profile})");
        var (heat, cka, frozen) = HeatPanel(layers, $"CKA with the pretrained encoder ({model}, {profile})");
        Compose(path, width, height, [(probe.Plot, half), (heat, width - half)]);
        return new PlottedFigure(path, width, height, [probe.Panel, cka, frozen]);
    }

    private static (Plot Plot, PlottedPanel Panel) ProbePanel(LayerSummary layers, string title)
    {
        var plot = new Plot();
        var points = new List<PlottedPoint>();
        var xs = Enumerable.Range(0, layers.Units.Count).Select(l => (double)l).ToArray();
        void Line(string config, IReadOnlyList<double> accuracy, Color color, bool dashed, Func<int, bool> frozen)
        {
            var ys = accuracy.Select(a => a * 100).ToArray();
            var line = plot.Add.ScatterLine(xs, ys);
            line.Color = color;
            line.LineWidth = dashed ? 2.5f : 1.5f;
            if (dashed) line.LinePattern = LinePattern.Dashed;
            line.LegendText = config;
            for (var l = 0; l < ys.Length; l++)
            {
                plot.Add.Marker(xs[l], ys[l], frozen(l) ? MarkerShape.FilledSquare : MarkerShape.FilledCircle, frozen(l) ? 9 : 6, color);
                points.Add(new PlottedPoint(config, l, ys[l]));
            }
        }
        Line(Pretrained, layers.PretrainedDevAccuracy, Colors.Black, dashed: true, _ => false);
        foreach (var row in layers.Configs) Line(row.Config, row.DevAccuracy, ColorOf(row.Config), dashed: false, l => LayersSection.IsFrozen(layers, row, l));
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(xs.Select(x => new Tick(x, HiddenStateLabel(layers, (int)x))).ToArray());
        var (ymin, ymax) = (points.Min(p => p.Y), points.Max(p => p.Y));
        plot.Axes.SetLimits(-0.3, layers.Units.Count - 0.7, ymin - Math.Max(1, (ymax - ymin) * 0.08), ymax + Math.Max(1, (ymax - ymin) * 0.08));
        plot.Legend.Alignment = Alignment.LowerLeft;
        plot.Legend.FontSize = 11;
        plot.ShowLegend();
        plot.Title(title, size: 13);
        plot.XLabel("hidden state (output of unit); squares: output of a frozen unit");
        plot.YLabel("probe dev accuracy (%)");
        return (plot, new PlottedPanel("probe", "hidden state", "probe dev accuracy (%)", "linear", "linear", points, []));
    }

    private static (Plot Plot, PlottedPanel Cka, PlottedPanel Frozen) HeatPanel(LayerSummary layers, string title)
    {
        var plot = new Plot();
        var cells = new List<PlottedPoint>();
        var marks = new List<PlottedPoint>();
        var colormap = new ScottPlot.Colormaps.Viridis();
        var rows = layers.Configs.Count;
        for (var r = 0; r < rows; r++)
        {
            var row = layers.Configs[r];
            var y = rows - 1 - r;   // first configuration on top
            for (var l = 0; l < row.Cka.Count; l++)
            {
                var value = row.Cka[l];
                var cell = plot.Add.Rectangle(l - 0.5, l + 0.5, y - 0.5, y + 0.5);
                cell.FillColor = colormap.GetColor(Math.Clamp(value, 0, 1));
                cell.LineWidth = 0;
                var text = plot.Add.Text(value.ToString("0.00", Invariant.Culture), l, y);
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontSize = 11;
                text.LabelFontColor = value > 0.6 ? Colors.Black : Colors.White;
                cells.Add(new PlottedPoint(row.Config, l, value));
                if (!LayersSection.IsFrozen(layers, row, l)) continue;
                var outline = plot.Add.Rectangle(l - 0.45, l + 0.45, y - 0.45, y + 0.45);
                outline.FillColor = Colors.Transparent;
                outline.LineColor = Colors.Red;
                outline.LineWidth = 3;
                marks.Add(new PlottedPoint(row.Config, l, value));
            }
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, layers.Units.Count).Select(l => new Tick(l, HiddenStateLabel(layers, l))).ToArray());
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            layers.Configs.Select((c, r) => new Tick(rows - 1 - r, c.Config)).ToArray());
        plot.Axes.SetLimits(-0.5, layers.Units.Count - 0.5, -0.5, rows - 0.5);
        plot.Title(title, size: 13);
        plot.XLabel("hidden state (output of unit); red outline: output of a frozen unit");
        plot.YLabel("configuration");
        const string xLabel = "hidden state", yLabel = "linear CKA";
        return (plot, new PlottedPanel("cka", xLabel, yLabel, "linear", "linear", cells, []),
            new PlottedPanel("frozen", xLabel, yLabel, "linear", "linear", marks, []) { Note = "cells outlined as the output of a frozen unit" });
    }

    private static string HiddenStateLabel(LayerSummary layers, int l) => l == 0 ? "0 (emb)" : $"{Invariant.Format(l)} ({layers.Units[l]})";
}
