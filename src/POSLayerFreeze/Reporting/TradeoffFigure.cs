using POSLayerFreeze.Freezing;
using POSLayerFreeze.Runtime;
using ScottPlot;
using static POSLayerFreeze.Reporting.Plotting;

namespace POSLayerFreeze.Reporting;

/// <summary><c>tradeoff.png</c>: accuracy against cost, Pareto front
/// marked, every point labelled without overlap. Returns what it drew.</summary>
public static class TradeoffFigure
{
    public const int Width = 1400;
    public const int Height = 650;

    /// <summary>
    /// <c>tradeoff.png</c>: test accuracy against trainable parameters (millions, linear: the freeze plans sit 1.8 M
    /// apart between 11.9 M and 22.6 M, a log axis would crowd them; <c>all</c> trains 6.5 k, near 0) and
    /// against training time, each with its Pareto front (no other configuration is both cheaper and more accurate).
    /// Training time is the mean of <c>train.seconds</c>; summaries written before it existed fall back to seconds per
    /// million training tokens (1e6 / tokens/s), which orders configurations the same way within one sweep.
    /// </summary>
    public static PlottedFigure Save(string path, IReadOnlyList<ConfigSummary> configs, string profile, string model,
        int width = Width, int height = Height)
    {
        ArgumentNullException.ThrowIfNull(configs);
        if (configs.Count == 0) throw new ArgumentException("nothing to plot", nameof(configs));
        var half = width / 2;
        var byParams = TradeoffPanel(configs, "parameters", "trainable parameters (millions)", c => c.TrainableParameters / 1e6, logX: false,
            $"Accuracy vs trainable parameters ({model}, {profile})", half, height);
        var haveSeconds = configs.All(c => c.TrainSeconds is not null);
        var timeLabel = haveSeconds ? "training time (s, mean over seeds)" : "training time per million train tokens (s)";
        var byTime = TradeoffPanel(configs, "time", timeLabel,
            c => haveSeconds ? c.TrainSeconds!.Value.Mean : 1e6 / c.TokensPerSecond.Mean, logX: false,
            $"Accuracy vs training time ({model}, {profile})", width - half, height);
        Compose(path, width, height, [(byParams.Item1, half), (byTime.Item1, width - half)]);
        return new PlottedFigure(path, width, height, [byParams.Item2, byTime.Item2]);
    }

    private static (Plot, PlottedPanel) TradeoffPanel(IReadOnlyList<ConfigSummary> configs, string name, string xLabel,
        Func<ConfigSummary, double> cost, bool logX, string title, int width, int height)
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
            var family = Aggregation.KindOf(p.Config) switch
            {
                FreezeKind.Baseline => "baseline",
                FreezeKind.SingleLayer => "SLPF",
                FreezeKind.RandomInit or FreezeKind.DropTop => "control",
                FreezeKind.Gradual or FreezeKind.FreezeOut or FreezeKind.LayerDecay => "schedule / layer rates",
                _ => "CLPF / all",
            };
            if (legendDone.Add(family)) marker.LegendText = family;
        }

        var xs = points.Select(p => x(p.X)).ToArray();
        var (xmin, xmax) = (xs.Min(), xs.Max());
        var xpad = Math.Max((xmax - xmin) * 0.08, logX ? 0.3 : Math.Max(1e-9, Math.Abs(xmax) * 0.05));
        var (ymin, ymax) = (points.Min(p => p.Low!.Value), points.Max(p => p.High!.Value));
        var ypad = Math.Max((ymax - ymin) * 0.08, 0.5);
        plot.Axes.SetLimits(xmin - xpad, xmax + xpad * 2.5, ymin - ypad, ymax + ypad);
        if (logX) plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(LogTicks(xmin - xpad, xmax + xpad * 2.5));
        PlaceLabels(plot, points.Select(p => (p.Config, x(p.X), p.Y)).ToArray(), width, height);

        plot.Legend.Alignment = Alignment.LowerRight;
        plot.Legend.FontSize = 11;
        plot.ShowLegend();
        plot.Title(title, size: 13);
        plot.XLabel(xLabel);
        plot.YLabel("test accuracy (%, mean ± sd)");
        return (plot, new PlottedPanel(name, xLabel, "test accuracy (%)", logX ? "log10" : "linear", "linear", points, front));
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
}
