using System.Globalization;
using POSLayerFreeze.Evaluation;

namespace POSLayerFreeze.Reporting;

/// <summary>How summary.md and the claims write numbers: accuracies in percent, differences in points, p-values.</summary>
internal static class Format
{
    public static string Pct(MeanSd m) => m.N > 1
        ? string.Create(CultureInfo.InvariantCulture, $"{m.Mean * 100:F2} ± {m.Sd * 100:F2}")
        : string.Create(CultureInfo.InvariantCulture, $"{m.Mean * 100:F2}");

    public static string Points(double difference) => string.Create(CultureInfo.InvariantCulture, $"{difference * 100:+0.00;-0.00;0.00} pt");

    public static string P(double p) => p < 1e-4 ? "< 1e-4" : p.ToString("0.0000", CultureInfo.InvariantCulture);

    public static string Interval(SeedAwareResult r) => r.Computable
        ? $"[{Points(r.Lower)}, {Points(r.Upper)}], p = {P(r.PValue)}"
        : "n/a (n=1)";
}
