using System.Text.Json.Nodes;
using POSLayerFreeze.Runtime;
using ScottPlot;
using SkiaSharp;

namespace POSLayerFreeze.Experiments;

/// <summary>One mark of a figure, in the units its axis is labelled in (percent, points, parameters, seconds).</summary>
/// <param name="Low">Lower end of the drawn interval (error bar or confidence interval), if any.</param>
public sealed record PlottedPoint(string Config, double X, double Y, double? Low = null, double? High = null);

/// <summary>One panel of a figure: what it drew and on which scale, so a test can compare with summary.json without reading pixels.</summary>
/// <param name="YScale"><c>linear</c> or <c>symlog</c> (sign(y)·log10(1 + |y| / <see cref="ResultPlot.SymlogThreshold"/>)).</param>
/// <param name="ParetoFront">Configurations marked as the Pareto front (tradeoff panels only).</param>
public sealed record PlottedPanel(string Name, string XLabel, string YLabel, string XScale, string YScale,
    IReadOnlyList<PlottedPoint> Points, IReadOnlyList<string> ParetoFront)
{
    /// <summary>What the panel says in words instead of (or beside) marks, e.g. that no run has the data.</summary>
    public string? Note { get; init; }
}

/// <summary>A figure as written: file, pixel size and every panel's data.</summary>
public sealed record PlottedFigure(string Path, int Width, int Height, IReadOnlyList<PlottedPanel> Panels)
{
    public PlottedPanel Panel(string name) => Panels.Single(p => p.Name == name);

    public JsonObject ToJson() => new()
    {
        ["file"] = System.IO.Path.GetFileName(Path),
        ["width"] = Width,
        ["height"] = Height,
        ["panels"] = new JsonArray(Panels.Select(p => (JsonNode)new JsonObject
        {
            ["name"] = p.Name,
            ["x_label"] = p.XLabel,
            ["y_label"] = p.YLabel,
            ["x_scale"] = p.XScale,
            ["y_scale"] = p.YScale,
            ["points"] = new JsonArray(p.Points.Select(q => (JsonNode)new JsonObject
            {
                ["config"] = q.Config, ["x"] = q.X, ["y"] = q.Y, ["low"] = q.Low, ["high"] = q.High,
            }).ToArray()),
            ["pareto_front"] = new JsonArray(p.ParetoFront.Select(c => (JsonNode)c).ToArray()),
            ["note"] = p.Note,
        }).ToArray()),
    };
}

/// <summary>
/// The study's figures. <c>result.png</c>: accuracy per configuration (bars from 0, mean ± sd, vertical value labels
/// that cannot collide) beside Δ vs baseline with the 95% paired-bootstrap interval, split in two panels because
/// the effects differ by two orders of magnitude: single-layer freezes on a linear axis (tenths of a point),
/// compound freezes on a symmetric log axis (up to tens of points). <c>tradeoff.png</c>: test accuracy against
/// trainable parameters and against training time, Pareto front marked. Every method returns what it drew.
/// </summary>
public static class ResultPlot
{
    public const int Width = 1400;
    public const int Height = 700;
    public const int TradeoffWidth = 1400;
    public const int TradeoffHeight = 650;
    public const int CurvesWidth = 1400;
    public const int CurvesHeight = 650;

    /// <summary>Below this many points the symmetric log axis is nearly linear.</summary>
    public const double SymlogThreshold = 0.1;

    public static readonly Color BaselineColor = Colors.Gray;          // #808080
    public static readonly Color SlpfColor = Color.FromHex("#1f77b4");
    public static readonly Color ClpfColor = Color.FromHex("#d62728");

    /// <summary>Where the accuracy panel's value labels start (percent axis units, above every bar).</summary>
    private const double ValueRow = 101;

    private static Color ColorOf(string config) =>
        config == "baseline" ? BaselineColor : config.StartsWith("slpf", StringComparison.Ordinal) ? SlpfColor : ClpfColor;

    private static bool IsSingleLayer(string config) => config.StartsWith("slpf-", StringComparison.Ordinal);

    public static PlottedFigure Save(string path, IReadOnlyList<ConfigSummary> configs, string profile, string model,
        int width = Width, int height = Height)
    {
        ArgumentNullException.ThrowIfNull(configs);
        if (configs.Count == 0) throw new ArgumentException("nothing to plot", nameof(configs));
        var single = configs.Where(c => c.VersusBaseline is not null && IsSingleLayer(c.Config)).ToArray();
        var compound = configs.Where(c => c.VersusBaseline is not null && !IsSingleLayer(c.Config)).ToArray();
        var deltaPanels = (single.Length > 0 ? 1 : 0) + (compound.Length > 0 ? 1 : 0);
        // The accuracy panel keeps about 45% of the width when Δ panels exist: 13 bars need ~40 px each.
        var accuracyWidth = deltaPanels == 0 ? width : (int)(width * 0.45);
        var deltaWidth = deltaPanels == 0 ? 0 : (width - accuracyWidth) / deltaPanels;

        var panels = new List<(Plot Plot, int Width, PlottedPanel Data)>();
        var seeds = configs.Max(c => c.Seeds.Count);
        panels.Add(AccuracyPanel(configs, $"Test accuracy ({model}, {profile}, mean ± sd, {seeds} seed(s))", accuracyWidth));
        if (single.Length > 0)
            panels.Add(DeltaPanel(single, "Δ vs baseline, 95% bootstrap CI: one layer", "single-layer-delta", symlog: false, deltaWidth));
        if (compound.Length > 0)
        {
            panels.Add(DeltaPanel(compound, "Δ vs baseline, 95% CI: layers together", "compound-delta", symlog: true,
                width - accuracyWidth - (single.Length > 0 ? deltaWidth : 0)));
        }
        Compose(path, width, height, panels.Select(p => (p.Plot, p.Width)).ToArray());
        return new PlottedFigure(path, width, height, panels.Select(p => p.Data).ToArray());
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
            // slot (~40 px at 13 bars in 630 px), so neighbours cannot overlap, and nothing else is drawn up there
            // (bars, error bars and the baseline line all end at or below 100).
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
            // Labels sit right of the caps, one per slot (≥ 60 px), so they cannot reach the next interval.
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

    /// <summary>
    /// <c>tradeoff.png</c>: test accuracy against trainable parameters (millions, linear: the freeze plans sit 1.8 M
    /// apart between 11.9 M and 22.6 M, a log axis would crowd them; <c>all</c> trains 6.5 k, near 0) and
    /// against training time, each with its Pareto front (no other configuration is both cheaper and more accurate).
    /// Training time is the mean of <c>train.seconds</c>; summaries written before it existed fall back to seconds per
    /// million training tokens (1e6 / tokens/s), which orders configurations the same way within one sweep.
    /// </summary>
    public static PlottedFigure SaveTradeoff(string path, IReadOnlyList<ConfigSummary> configs, string profile, string model,
        int width = TradeoffWidth, int height = TradeoffHeight)
    {
        ArgumentNullException.ThrowIfNull(configs);
        if (configs.Count == 0) throw new ArgumentException("nothing to plot", nameof(configs));
        var half = width / 2;
        var byParams = TradeoffPanel(configs, "parameters", "trainable parameters (millions)", c => c.TrainableParameters / 1e6, logX: false,
            $"Accuracy vs trainable parameters ({model}, {profile})", half);
        var haveSeconds = configs.All(c => c.TrainSeconds is not null);
        var timeLabel = haveSeconds ? "training time (s, mean over seeds)" : "training time per million train tokens (s)";
        var byTime = TradeoffPanel(configs, "time", timeLabel,
            c => haveSeconds ? c.TrainSeconds!.Value.Mean : 1e6 / c.TokensPerSecond.Mean, logX: false,
            $"Accuracy vs training time ({model}, {profile})", width - half);
        Compose(path, width, height, [(byParams.Item1, half), (byTime.Item1, width - half)]);
        return new PlottedFigure(path, width, height, [byParams.Item2, byTime.Item2]);
    }

    private static (Plot, PlottedPanel) TradeoffPanel(IReadOnlyList<ConfigSummary> configs, string name, string xLabel,
        Func<ConfigSummary, double> cost, bool logX, string title, int width)
    {
        var plot = new Plot();
        var points = configs.Select(c => new PlottedPoint(c.Config, cost(c), c.TestAccuracy.Mean * 100,
            (c.TestAccuracy.Mean - c.TestAccuracy.Sd) * 100, (c.TestAccuracy.Mean + c.TestAccuracy.Sd) * 100)).ToArray();
        Func<double, double> x = logX ? Math.Log10 : v => v;
        var front = ParetoFront(points);
        var frontPoints = front.Select(f => points.Single(p => p.Config == f)).OrderBy(p => p.X).ToArray();
        if (frontPoints.Length > 1)
        {
            var line = plot.Add.ScatterLine(frontPoints.Select(p => x(p.X)).ToArray(), frontPoints.Select(p => p.Y).ToArray());
            line.LinePattern = LinePattern.Dashed;
            line.LineWidth = 1.5f;
            line.Color = Colors.Black;
            line.LegendText = "Pareto front";
        }
        foreach (var p in frontPoints) plot.Add.Marker(x(p.X), p.Y, MarkerShape.OpenCircle, 17, Colors.Black);
        var legendDone = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in points)
        {
            var whisker = plot.Add.Line(x(p.X), p.Low!.Value, x(p.X), p.High!.Value);
            whisker.Color = ColorOf(p.Config);
            var marker = plot.Add.Marker(x(p.X), p.Y, MarkerShape.FilledCircle, 9, ColorOf(p.Config));
            var family = p.Config == "baseline" ? "baseline" : IsSingleLayer(p.Config) ? "SLPF" : "CLPF / all";
            if (legendDone.Add(family)) marker.LegendText = family;
        }

        var xs = points.Select(p => x(p.X)).ToArray();
        var (xmin, xmax) = (xs.Min(), xs.Max());
        var xpad = Math.Max((xmax - xmin) * 0.08, logX ? 0.3 : Math.Max(1e-9, Math.Abs(xmax) * 0.05));
        var (ymin, ymax) = (points.Min(p => p.Low!.Value), points.Max(p => p.High!.Value));
        var ypad = Math.Max((ymax - ymin) * 0.08, 0.5);
        plot.Axes.SetLimits(xmin - xpad, xmax + xpad * 2.5, ymin - ypad, ymax + ypad);
        if (logX) plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(LogTicks(xmin - xpad, xmax + xpad * 2.5));
        PlaceLabels(plot, points.Select(p => (p.Config, x(p.X), p.Y)).ToArray(), width, TradeoffHeight);

        plot.Legend.Alignment = Alignment.LowerRight;
        plot.Legend.FontSize = 11;
        plot.ShowLegend();
        plot.Title(title, size: 13);
        plot.XLabel(xLabel);
        plot.YLabel("test accuracy (%, mean ± sd)");
        return (plot, new PlottedPanel(name, xLabel, "test accuracy (%)", logX ? "log10" : "linear", "linear", points, front));
    }

    /// <summary>
    /// <c>curves.png</c>: the training loss against the step per configuration (log_history's <c>loss</c>: the mean
    /// since the previous read, mean over seeds at each step) and dev accuracy against the epoch (its
    /// <c>eval_accuracy</c> entries) when the runs measured it after every epoch; otherwise that panel says so in words
    /// (the one evaluation after training is already result.png's dev column). One line per configuration, the same
    /// colour and pattern in both panels, one legend.
    /// </summary>
    public static PlottedFigure SaveCurves(string path, IReadOnlyList<ConfigCurves> curves, string profile, string model,
        int width = CurvesWidth, int height = CurvesHeight)
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
            styles[config] = config == "baseline"
                ? new CurveStyle(Colors.Black, 2.5f, LinePattern.Solid, MarkerShape.FilledDiamond)
                : IsSingleLayer(config)
                    ? new CurveStyle(palette.GetColor(next++), 1.8f, LinePattern.Solid, MarkerShape.FilledCircle)
                    : new CurveStyle(palette.GetColor(next++), 1.8f, LinePattern.Dashed, MarkerShape.FilledSquare);
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

    /// <summary>
    /// Configurations no other one dominates (lower or equal cost and higher or equal accuracy, one of them strictly),
    /// in input order.
    /// </summary>
    public static IReadOnlyList<string> ParetoFront(IReadOnlyList<PlottedPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        return points.Where(p => !points.Any(q => q != p && q.X <= p.X && q.Y >= p.Y && (q.X < p.X || q.Y > p.Y)))
            .Select(p => p.Config).ToArray();
    }

    /// <summary>sign(v) · log10(1 + |v| / threshold): linear near 0, logarithmic beyond; keeps the sign of Δ.</summary>
    public static double Symlog(double v) => Math.Sign(v) * Math.Log10(1 + (Math.Abs(v) / SymlogThreshold));

    private static Tick[] SymlogTicks(double low, double high)
    {
        double[] magnitudes = [0.1, 0.3, 1, 3, 10, 30, 100];
        var values = new List<double> { 0 };
        foreach (var m in magnitudes)
        {
            if (m <= high * 1.05) values.Add(m);
            if (-m >= low * 1.05) values.Add(-m);
        }
        return values.Order().Select(v => new Tick(Symlog(v), v.ToString("0.#;-0.#;0", Invariant.Culture))).ToArray();
    }

    private static Tick[] LogTicks(double low, double high)
    {
        var ticks = new List<Tick>();
        for (var e = (int)Math.Ceiling(low); e <= (int)Math.Floor(high); e++)
        {
            var v = Math.Pow(10, e);
            var text = v >= 1e6 ? $"{v / 1e6:0.#}M" : v >= 1e3 ? $"{v / 1e3:0.#}k" : v.ToString("0", Invariant.Culture);
            ticks.Add(new Tick(e, string.Create(Invariant.Culture, $"{text}")));
        }
        return ticks.ToArray();
    }

    private static void ConfigAxis(Plot plot, List<Tick> ticks, int count)
    {
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = -40;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.TickLabelStyle.FontSize = 11;
        plot.Axes.Bottom.MinimumSize = 110;
        plot.Axes.SetLimitsX(-0.7, count - 0.3);
    }

    /// <summary>
    /// Labels for scatter points that never overlap each other or another point's marker: points closer than a
    /// marker's width share one label ("slpf-0, slpf-2" or "slpf-0 … slpf-5 (6)"), then each label takes the first
    /// free spot of right/left/above/below (further out each round). Layout is computed in pixels from a first render.
    /// </summary>
    private static void PlaceLabels(Plot plot, (string Config, double X, double Y)[] points, int width, int height)
    {
        plot.RenderInMemory(width, height);
        var pixels = points.Select(p => (p.Config, Pixel: plot.GetPixel(new Coordinates(p.X, p.Y)))).ToArray();
        var groups = new List<List<(string Config, Pixel Pixel)>>();
        foreach (var p in pixels)
        {
            // Compared with the group's first point only, so groups do not chain along a dense curve.
            var group = groups.FirstOrDefault(g => Math.Abs(g[0].Pixel.X - p.Pixel.X) < 8 && Math.Abs(g[0].Pixel.Y - p.Pixel.Y) < 8);
            if (group is null) groups.Add([p]);
            else group.Add(p);
        }
        // A point blocks its marker and the Pareto ring around it (17 px).
        var taken = pixels.Select(p => new PixelRect(p.Pixel.X - 9, p.Pixel.X + 9, p.Pixel.Y + 9, p.Pixel.Y - 9)).ToList();
        var data = plot.LastRender.DataRect;
        const float fontSize = 11;
        foreach (var group in groups)
        {
            var names = group.Select(g => g.Config).ToArray();
            var text = names.Length <= 2 ? string.Join(", ", names) : $"{names[0]} … {names[^1]} ({names.Length})";
            var w = (float)(text.Length * fontSize * 0.62);
            var h = fontSize * 1.4f;
            var cx = group.Average(g => g.Pixel.X);
            var cy = group.Average(g => g.Pixel.Y);
            PixelRect? chosen = null;
            var ring = 0;
            for (; ring < 8 && chosen is null; ring++)
            {
                var d = 11 + (ring * 14);
                PixelRect[] candidates =
                [
                    new(cx + d, cx + d + w, cy + (h / 2), cy - (h / 2)),
                    new(cx - d - w, cx - d, cy + (h / 2), cy - (h / 2)),
                    new(cx - (w / 2), cx + (w / 2), cy - d, cy - d - h),
                    new(cx - (w / 2), cx + (w / 2), cy + d + h, cy + d),
                ];
                chosen = candidates.Cast<PixelRect?>().FirstOrDefault(r => Inside(r!.Value, data) && !taken.Any(t => Overlaps(t, r.Value)));
            }
            if (chosen is not { } rect) rect = new PixelRect(cx + 9, cx + 9 + w, cy + (h / 2), cy - (h / 2));
            taken.Add(rect);
            var anchor = plot.GetCoordinates(new Pixel(rect.Left, rect.Top + (h / 2)));
            var label = plot.Add.Text(text, anchor.X, anchor.Y);
            label.LabelFontSize = fontSize;
            label.LabelAlignment = Alignment.MiddleLeft;
            label.LabelFontColor = ColorOf(names[0]);
            if (ring > 1)
            {
                // Pushed out past the first ring: a leader line says which point the label belongs to.
                var (lx, ly) = (Math.Clamp(cx, rect.Left, rect.Right), Math.Clamp(cy, rect.Top, rect.Bottom));
                var from = plot.GetCoordinates(new Pixel(cx, cy));
                var to = plot.GetCoordinates(new Pixel(lx, ly));
                var leader = plot.Add.Line(from.X, from.Y, to.X, to.Y);
                leader.Color = ColorOf(names[0]).WithAlpha(0.6);
                leader.LineWidth = 1;
            }
        }
    }

    private static bool Inside(PixelRect r, PixelRect area) => r.Left >= area.Left && r.Right <= area.Right && r.Top >= area.Top && r.Bottom <= area.Bottom;

    private static bool Overlaps(PixelRect a, PixelRect b) => a.Left < b.Right && b.Left < a.Right && a.Top < b.Bottom && b.Top < a.Bottom;

    /// <summary>Renders each panel at its own width and places them side by side in one PNG (written atomically).</summary>
    private static void Compose(string path, int width, int height, IReadOnlyList<(Plot Plot, int Width)> panels)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            var x = 0;
            foreach (var (plot, panelWidth) in panels)
            {
                using var panel = SKBitmap.Decode(plot.GetImageBytes(panelWidth, height, ImageFormat.Png));
                canvas.DrawBitmap(panel, x, 0);
                x += panelWidth;
            }
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.WriteAllBytes(path, png.AsSpan());
    }
}
