using POSLayerFreeze.Runtime;
using ScottPlot;
using static POSLayerFreeze.Reporting.Plotting;

namespace POSLayerFreeze.Reporting;

/// <summary>
/// <c>result.png</c>: accuracy per configuration (bars from 0, mean ± sd, vertical value labels that cannot collide)
/// beside Δ vs baseline with the 95% paired-bootstrap interval, split in two panels because the effects differ by
/// two orders of magnitude: single-layer freezes on a linear axis (tenths of a point), compound freezes on a
/// symmetric log axis (up to tens of points). Returns what it drew.
/// </summary>
public static class ResultFigure
{
    public const int Width = 1400;
    public const int Height = 700;

    /// <summary>Where the accuracy panel's value labels start (percent axis units, above every bar).</summary>
    private const double ValueRow = 101;

    /// <summary>What a panel needs besides its slots: the y axis (tick labels, axis label) and the margins, in pixels.</summary>
    private const int AxisRoom = 90;

    /// <summary>A bar's slot: its vertical value label is one line high (~14 px at 11 pt), its slanted name ~15 px across.</summary>
    private const int BarSlot = 28;

    /// <summary>A Δ slot: the value label right of the interval's cap ("+12.34" at 11 pt, ~40 px) ends before the next interval.</summary>
    private const int DeltaSlot = 60;

    /// <summary>About how wide a character of a panel title (13 pt) is, in pixels.</summary>
    private const double TitleCharWidth = 8;

    public static PlottedFigure Save(string path, IReadOnlyList<ConfigSummary> configs, string profile, string model,
        int width = Width, int height = Height)
    {
        ArgumentNullException.ThrowIfNull(configs);
        if (configs.Count == 0) throw new ArgumentException("nothing to plot", nameof(configs));
        var single = configs.Where(c => c.VersusBaseline is not null && IsSingleLayer(c.Config)).ToArray();
        var compound = configs.Where(c => c.VersusBaseline is not null && !IsSingleLayer(c.Config)).ToArray();
        var seeds = configs.Max(c => c.Seeds.Count);
        var accuracyTitle = $"Test accuracy ({model}, {profile}, mean ± sd, {seeds} seed(s))";
        const string singleTitle = "Δ vs baseline, 95% bootstrap CI: one layer", compoundTitle = "Δ vs baseline, 95% CI: layers together";
        var layout = new List<(int Slots, int Slot, string Title)> { (configs.Count, BarSlot, accuracyTitle) };
        if (single.Length > 0) layout.Add((single.Length, DeltaSlot, singleTitle));
        if (compound.Length > 0) layout.Add((compound.Length, DeltaSlot, compoundTitle));
        var widths = PanelWidths(width, layout);

        var panels = new List<(Plot Plot, int Width, PlottedPanel Data)> { AccuracyPanel(configs, accuracyTitle, widths[0]) };
        if (single.Length > 0)
            panels.Add(DeltaPanel(single, singleTitle, "single-layer-delta", symlog: false, widths[panels.Count]));
        if (compound.Length > 0)
            panels.Add(DeltaPanel(compound, compoundTitle, "compound-delta", symlog: true, widths[panels.Count]));
        var figureWidth = widths.Sum();
        Compose(path, figureWidth, height, panels.Select(p => (p.Plot, p.Width)).ToArray());
        return new PlottedFigure(path, figureWidth, height, panels.Select(p => p.Data).ToArray());
    }

    /// <summary>
    /// Each panel's width, from what it shows: at least its axis room and a slot per configuration, and its title's
    /// length. The figure keeps <paramref name="width"/> unless a study has more configurations than fit (a deeper
    /// model), then it grows; room left over is shared equally among the slots of all panels, so the panels keep
    /// the proportions of what they hold.
    /// </summary>
    internal static int[] PanelWidths(int width, IReadOnlyList<(int Slots, int Slot, string Title)> panels)
    {
        var minimum = panels.Select(p => Math.Max(AxisRoom + (p.Slots * p.Slot), (int)Math.Ceiling(p.Title.Length * TitleCharWidth) + 20)).ToArray();
        var spare = Math.Max(0, width - minimum.Sum());
        var slots = panels.Sum(p => p.Slots);
        var widths = minimum.Select((m, i) => m + (spare * panels[i].Slots / slots)).ToArray();
        widths[^1] += Math.Max(width, minimum.Sum()) - widths.Sum();   // the rounding remainder
        return widths;
    }

    private static (Plot, int, PlottedPanel) AccuracyPanel(IReadOnlyList<ConfigSummary> configs, string title, int width)
    {
        var plot = new Plot();
        var points = new List<PlottedPoint>();
        var ticks = new List<Tick>();
        for (var i = 0; i < configs.Count; i++)
        {
            var c = configs[i];
            var mean = c.TestAccuracy.Mean * 100;
            var sd = c.TestAccuracy.Sd * 100;
            plot.Add.Bars(new[] { new Bar { Position = i, Value = mean, Error = sd, FillColor = ColorOf(c.Config), Size = 0.75 } });
            // Vertical labels in one row above 100%: a rotated label is one line high (~14 px), narrower than a bar
            // slot (at least BarSlot, see PanelWidths), so neighbours cannot overlap, and nothing else is drawn up
            // there (bars, error bars and the baseline line all end at or below 100).
            var label = plot.Add.Text(mean.ToString("F2", Invariant.Culture), i, ValueRow);
            label.LabelFontSize = 11;
            label.LabelRotation = -90;
            label.LabelAlignment = Alignment.MiddleLeft;
            points.Add(new PlottedPoint(c.Config, i, mean, mean - sd, mean + sd));
            ticks.Add(new Tick(i, c.Config));
        }
        if (configs.FirstOrDefault(c => c.Config == "baseline") is { } baseline)
        {
            var line = plot.Add.HorizontalLine(baseline.TestAccuracy.Mean * 100);
            line.LinePattern = LinePattern.Dashed;
            line.LineWidth = 1;
            line.Color = Colors.Black;
        }
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "baseline (dashed line)", FillColor = BaselineColor });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "SLPF: one layer frozen", FillColor = SlpfColor });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "CLPF / all: layers frozen together", FillColor = ClpfColor });
        if (configs.Any(c => Aggregation.IsControl(c.Config)))
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = "controls: random-init, drop-top-K", FillColor = ControlColor });
        if (configs.Any(c => IsMethod(c.Config)))
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = "schedules, layer rates: gradual, freezeout, llrd", FillColor = MethodColor });
        plot.Legend.Alignment = Alignment.LowerLeft;
        plot.Legend.FontSize = 11;
        plot.ShowLegend();
        ConfigAxis(plot, ticks, configs.Count);
        plot.Title(title, size: 13);
        plot.YLabel("test accuracy (%)");
        // Bars start at 0 (a bar's length is its value); the headroom above 100 holds the row of labels.
        plot.Axes.SetLimitsY(0, 113);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, 6).Select(k => new Tick(k * 20, (k * 20).ToString(Invariant.Culture))).ToArray());
        return (plot, width, new PlottedPanel("accuracy", "configuration", "test accuracy (%)", "category", "linear", points, []));
    }

    private static (Plot, int, PlottedPanel) DeltaPanel(IReadOnlyList<ConfigSummary> configs, string title, string name, bool symlog, int width)
    {
        var plot = new Plot();
        Func<double, double> y = symlog ? Symlog : v => v;
        var points = new List<PlottedPoint>();
        var ticks = new List<Tick>();
        for (var i = 0; i < configs.Count; i++)
        {
            var c = configs[i];
            var v = c.VersusBaseline!;
            var (d, lo, hi) = (v.Difference * 100, v.Lower * 100, v.Upper * 100);
            var color = ColorOf(c.Config);
            var whisker = plot.Add.Line(i, y(lo), i, y(hi));
            whisker.Color = color;
            whisker.LineWidth = 2;
            foreach (var end in new[] { lo, hi })
            {
                var cap = plot.Add.Line(i - 0.15, y(end), i + 0.15, y(end));
                cap.Color = color;
                cap.LineWidth = 2;
            }
            plot.Add.Marker(i, y(d), MarkerShape.FilledCircle, 9, color);
            // Labels sit right of the caps, one per slot (at least DeltaSlot, see PanelWidths), so they cannot reach the
            // next interval.
            var label = plot.Add.Text(d.ToString("+0.00;-0.00;0.00", Invariant.Culture), i + 0.15, y(d));
            label.LabelFontSize = 11;
            label.LabelAlignment = Alignment.MiddleLeft;
            label.OffsetX = 4;
            points.Add(new PlottedPoint(c.Config, i, d, lo, hi));
            ticks.Add(new Tick(i, c.Config));
        }
        var zero = plot.Add.HorizontalLine(0);
        zero.Color = Colors.Black;
        zero.LineWidth = 1.5f;
        ConfigAxis(plot, ticks, configs.Count);
        plot.Title(title, size: 13);
        var yLabel = symlog ? "Δ test accuracy (points, symmetric log scale)" : "Δ test accuracy (points)";
        plot.YLabel(yLabel);
        var low = Math.Min(0, points.Min(p => p.Low!.Value));
        var high = Math.Max(0, points.Max(p => p.High!.Value));
        if (symlog)
        {
            var (tlo, thi) = (Symlog(low), Symlog(high));
            var pad = Math.Max(0.08, (thi - tlo) * 0.06);
            plot.Axes.SetLimitsY(tlo - pad, thi + pad);
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(SymlogTicks(low, high));
        }
        else
        {
            var pad = Math.Max(0.02, (high - low) * 0.1);
            plot.Axes.SetLimitsY(low - pad, high + pad);
        }
        // Room right of the last interval for its label.
        plot.Axes.SetLimitsX(-0.7, configs.Count + 0.1);
        return (plot, width, new PlottedPanel(name, "configuration", yLabel, "category", symlog ? "symlog" : "linear", points, []));
    }

}
