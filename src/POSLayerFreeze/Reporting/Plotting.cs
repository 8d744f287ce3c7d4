using POSLayerFreeze.Freezing;
using POSLayerFreeze.Runtime;
using ScottPlot;
using SkiaSharp;

namespace POSLayerFreeze.Reporting;

/// <summary>What the figures share: the family colours, the configuration axis, the symmetric log and Pareto maths,
/// and composing panels into one PNG.</summary>
public static class Plotting
{
    /// <summary>Below this many points the symmetric log axis is nearly linear.</summary>
    public const double SymlogThreshold = 0.1;

    public static readonly Color BaselineColor = Colors.Gray;          // #808080
    public static readonly Color SlpfColor = Color.FromHex("#1f77b4");
    public static readonly Color ClpfColor = Color.FromHex("#d62728");
    public static readonly Color ControlColor = Color.FromHex("#2ca02c");
    /// <summary>Plans whose frozen set or rates change the training itself: gradual-N, freezeout-T, llrd-ξ.</summary>
    public static readonly Color MethodColor = Color.FromHex("#9467bd");

    /// <summary>Baseline grey, single-layer freezes blue, the controls green, everything else (compound freezes, all) red.</summary>
    internal static Color ColorOf(string config) => Aggregation.KindOf(config) switch
    {
        FreezeKind.Baseline => BaselineColor,
        FreezeKind.SingleLayer => SlpfColor,
        FreezeKind.RandomInit or FreezeKind.DropTop => ControlColor,
        FreezeKind.Gradual or FreezeKind.FreezeOut or FreezeKind.LayerDecay => MethodColor,
        _ => ClpfColor,
    };

    /// <summary>A schedule (gradual-N, freezeout-T) or layer-wise rates (llrd-ξ).</summary>
    internal static bool IsMethod(string config) => Aggregation.KindOf(config) is FreezeKind.Gradual or FreezeKind.FreezeOut or FreezeKind.LayerDecay;

    internal static bool IsSingleLayer(string config) => Aggregation.KindOf(config) == FreezeKind.SingleLayer;

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

    internal static Tick[] SymlogTicks(double low, double high)
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

    /// <summary>One tick per configuration, its name slanted 40° below; the axis is as tall as the longest name needs
    /// (ScottPlot sizes it for unrotated labels).</summary>
    internal static void ConfigAxis(Plot plot, List<Tick> ticks, int count)
    {
        const float fontSize = 11, angle = 40;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = -angle;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.TickLabelStyle.FontSize = fontSize;
        // A slanted label reaches down by its length's sine part plus its line's cosine part; 30 px for the tick and air.
        var longest = ticks.Count == 0 ? 0 : ticks.Max(t => t.Label.Length);
        var radians = angle * Math.PI / 180;
        plot.Axes.Bottom.MinimumSize = (float)((longest * fontSize * 0.62 * Math.Sin(radians)) + (fontSize * 1.4 * Math.Cos(radians)) + 30);
        plot.Axes.SetLimitsX(-0.7, count - 0.3);
    }

    /// <summary>Renders each panel at its own width and places them side by side in one PNG (written atomically).</summary>
    internal static void Compose(string path, int width, int height, IReadOnlyList<(Plot Plot, int Width)> panels)
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
