using System.Text.Json.Nodes;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Freezing;
using POSLayerFreeze.Runtime;
using ScottPlot;
using static POSLayerFreeze.Reporting.Plotting;

namespace POSLayerFreeze.Reporting;

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
            var history = mine.SelectMany(r => r.Metrics.LogHistory).ToArray();
            var loss = history.Where(e => e.Loss is not null)
                .GroupBy(e => e.Step)
                .OrderBy(g => g.Key)
                .Select(g => (g.Key, g.Average(e => e.Loss!.Value))).ToArray();
            var dev = history.Where(e => e.EvalAccuracy is not null)
                .GroupBy(e => e.Epoch)
                .OrderBy(g => g.Key)
                .Select(g => (g.Key, g.Average(e => e.EvalAccuracy!.Value) * 100)).ToArray();
            var eachEpoch = mine.Any(r => r.Metrics.EvalEachEpoch);
            return new ConfigCurves(config, mine.Length, loss, dev, eachEpoch);
        }).ToArray();
    }
}


/// <summary><c>curves.png</c>: training loss per step and dev accuracy per epoch, one line per configuration.
/// Returns what it drew.</summary>
public static class CurvesFigure
{
    public const int Width = 1400;
    public const int Height = 650;

    /// <summary>
    /// <c>curves.png</c>: the training loss against the step per configuration (log_history's <c>loss</c>: the mean
    /// since the previous read, mean over seeds at each step) and dev accuracy against the epoch (its
    /// <c>eval_accuracy</c> entries) when the runs measured it after every epoch; otherwise that panel says so in words
    /// (the one evaluation after training is already result.png's dev column). One line per configuration, the same
    /// colour and pattern in both panels, one legend.
    /// </summary>
    public static PlottedFigure Save(string path, IReadOnlyList<ConfigCurves> curves, string profile, string model,
        int width = Width, int height = Height)
    {
        ArgumentNullException.ThrowIfNull(curves);
        if (curves.Count == 0) throw new ArgumentException("nothing to plot", nameof(curves));
        var styles = CurveStyles(curves.Select(c => c.Config).ToArray());
        var (fewest, most) = (curves.Min(c => c.Seeds), curves.Max(c => c.Seeds));
        var averaged = most <= 1 ? "" : fewest == most ? $", mean over {most} seeds" : $", mean over each one's seeds ({fewest}–{most})";
        var lossWidth = (int)(width * 0.46);

        var loss = new Plot();
        var lossPoints = new List<PlottedPoint>();
        foreach (var c in curves.Where(c => c.Loss.Count > 0))
        {
            AddCurve(loss, c.Loss.Select(p => (double)p.Step).ToArray(), c.Loss.Select(p => p.Loss).ToArray(), styles[c.Config]);
            lossPoints.AddRange(c.Loss.Select(p => new PlottedPoint(c.Config, p.Step, p.Loss)));
        }
        string? lossNote = lossPoints.Count == 0 ? "No run has a training log (log_history):\nthese runs were written before it existed." : null;
        if (lossNote is not null) Say(loss, lossNote, empty: true);
        else if (curves.All(c => c.Loss.Count <= 1))
        {
            // One read per run (fewer steps than the read interval): a point each, and the reason said on the panel.
            lossNote = "One loss read per run: these runs are shorter than their profile's\nlogging_steps, so only the last step is logged (see --logging-steps).";
            Say(loss, lossNote, empty: false);
        }
        loss.Title($"Training loss ({model}, {profile}{averaged})", size: 13);
        loss.XLabel("step");
        loss.YLabel("training loss (mean since previous read)");
        if (lossPoints.Count > 0) FitLimits(loss, lossPoints, xFrom: 0, roomForNote: lossNote is not null);

        var dev = new Plot();
        var devPoints = new List<PlottedPoint>();
        string? devNote = null;
        if (curves.Any(c => c.EachEpoch))
        {
            foreach (var c in curves.Where(c => c.DevAccuracy.Count > 0))
            {
                AddCurve(dev, c.DevAccuracy.Select(p => p.Epoch).ToArray(), c.DevAccuracy.Select(p => p.Accuracy).ToArray(), styles[c.Config]);
                devPoints.AddRange(c.DevAccuracy.Select(p => new PlottedPoint(c.Config, p.Epoch, p.Accuracy)));
            }
            dev.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(devPoints.Select(p => p.X).Distinct().Order()
                .Select(e => new Tick(e, e.ToString("0.##", Invariant.Culture))).ToArray());
            FitLimits(dev, devPoints, xFrom: devPoints.Min(p => p.X) - 0.5, roomForNote: false);
        }
        else
        {
            devNote = "No run measured dev accuracy after each epoch:\nonly after training (result.png, summary.md).\n" +
                "Set \"eval_each_epoch\": true in the profile,\nor run with --eval-each-epoch.";
            Say(dev, devNote, empty: true);
        }
        dev.Title($"Dev accuracy after each epoch ({model}, {profile}{averaged})", size: 13);
        dev.XLabel("epoch");
        dev.YLabel("dev accuracy (%)");
        foreach (var c in curves)
        {
            var style = styles[c.Config];
            dev.Legend.ManualItems.Add(new LegendItem
            {
                LabelText = c.Config, LineColor = style.Color, LineWidth = style.Width, LinePattern = style.Pattern,
                MarkerShape = style.Marker, MarkerFillColor = style.Color, MarkerLineColor = style.Color, MarkerSize = 7,
            });
        }
        dev.Legend.FontSize = 11;
        dev.ShowLegend(Edge.Right);

        Compose(path, width, height, [(loss, lossWidth), (dev, width - lossWidth)]);
        return new PlottedFigure(path, width, height,
        [
            new PlottedPanel("loss", "step", "training loss", "linear", "linear", lossPoints, []) { Note = lossNote },
            new PlottedPanel("dev-accuracy", "epoch", "dev accuracy (%)", "linear", "linear", devPoints, []) { Note = devNote },
        ]);
    }

    private sealed record CurveStyle(Color Color, float Width, LinePattern Pattern, MarkerShape Marker);

    /// <summary>Baseline thick black; single-layer freezes solid with circles, compound freezes dashed with squares
    /// (the marker tells the families apart in the legend, where a dash is too short to see), each in its own colour.</summary>
    private static Dictionary<string, CurveStyle> CurveStyles(IReadOnlyList<string> configs)
    {
        var palette = new ScottPlot.Palettes.Category10();
        var styles = new Dictionary<string, CurveStyle>(StringComparer.Ordinal);
        // One colour counter over both families: a colour repeats only after ten configurations, and then in the other
        // family (other pattern and marker).
        var next = 0;
        foreach (var config in configs)
        {
            styles[config] = Aggregation.KindOf(config) switch
            {
                FreezeKind.Baseline => new CurveStyle(Colors.Black, 2.5f, LinePattern.Solid, MarkerShape.FilledDiamond),
                FreezeKind.SingleLayer => new CurveStyle(palette.GetColor(next++), 1.8f, LinePattern.Solid, MarkerShape.FilledCircle),
                FreezeKind.RandomInit or FreezeKind.DropTop => new CurveStyle(palette.GetColor(next++), 1.8f, LinePattern.Dotted, MarkerShape.OpenTriangleUp),
                _ => new CurveStyle(palette.GetColor(next++), 1.8f, LinePattern.Dashed, MarkerShape.FilledSquare),
            };
        }
        return styles;
    }

    private static void AddCurve(Plot plot, double[] xs, double[] ys, CurveStyle style)
    {
        var line = plot.Add.Scatter(xs, ys);
        line.Color = style.Color;
        line.LineWidth = style.Width;
        line.LinePattern = style.Pattern;
        line.MarkerSize = 7;
        line.MarkerShape = style.Marker;
    }

    /// <summary>Words on a panel: centred on a panel with no data (axes and grid hidden: there is nothing to read off
    /// them), else at the top of the data area.</summary>
    private static void Say(Plot plot, string text, bool empty)
    {
        if (empty)
        {
            plot.Axes.Frameless();
            plot.HideGrid();
        }
        var note = plot.Add.Annotation(text, empty ? Alignment.MiddleCenter : Alignment.UpperCenter);
        note.LabelFontSize = 12;
        note.LabelBackgroundColor = Colors.White;
        note.LabelBorderColor = Colors.Gray;
    }

    /// <summary>Axis limits around the points, the x axis starting at <paramref name="xFrom"/>; with a note, headroom on
    /// top so it covers no point.</summary>
    private static void FitLimits(Plot plot, IReadOnlyList<PlottedPoint> points, double xFrom, bool roomForNote)
    {
        var xmax = points.Max(p => p.X);
        var (ymin, ymax) = (points.Min(p => p.Y), points.Max(p => p.Y));
        var xpad = Math.Max((xmax - xFrom) * 0.04, 0.5);
        var ypad = Math.Max((ymax - ymin) * 0.08, Math.Max(Math.Abs(ymax) * 0.02, 1e-3));
        plot.Axes.SetLimits(xFrom, xmax + xpad, ymin - ypad, ymax + (ypad * (roomForNote ? 3.5 : 1)));
    }
}
