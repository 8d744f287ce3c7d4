using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace POSLayerFreeze.Benchmarks;

/// <summary>The training benchmarks' own columns: tokens/s (real and padded) from BenchmarkDotNet's mean, and memory.</summary>
public static class TrainingColumns
{
    public static IReadOnlyList<IColumn> All { get; } =
    [
        new MetricColumn("RealTok/s", "real (attended) tokens per second: real tokens per op / mean", UnitType.Dimensionless,
            (m, s) => s is { } st ? Rate(m.RealTokensPerOp, st) : "-"),
        new MetricColumn("PaddedTok/s", "padded tokens (batch × length) per second", UnitType.Dimensionless,
            (m, s) => s is { } st ? Rate(m.PaddedTokensPerOp, st) : "-"),
        new MetricColumn("CPU/step", "process CPU seconds per training step (all threads; robust to other load on a shared machine, host time only on CUDA)",
            UnitType.Dimensionless, (m, _) => m.CpuSecondsPerStep is { } c ? c.ToString("F3", CultureInfo.InvariantCulture) + " s" : "-"),
        new MetricColumn("RealTok/CPU-s", "real tokens per CPU-second: real tokens per step / CPU/step (CPU runs)", UnitType.Dimensionless,
            (m, _) => m.CpuSecondsPerStep is > 0 and { } c ? (m.RealTokensPerOp / c).ToString("N0", CultureInfo.InvariantCulture) : "-"),
        new MetricColumn("Pad%", "share of padded positions in the op's batches (or over a whole epoch for Batching)", UnitType.Dimensionless,
            (m, _) => ((m.PaddedFraction ?? 1 - (double)m.RealTokensPerOp / m.PaddedTokensPerOp) * 100).ToString("F1", CultureInfo.InvariantCulture)),
        new MetricColumn("TrainState", "parameters + gradients + AdamW moments of the trainable ones (fp32)", UnitType.Size,
            (m, _) => Megabytes(m.StateBytes)),
        new MetricColumn("PeakRSSΔ", "native + managed peak resident memory over the case, above the RSS before its setup", UnitType.Size,
            (m, _) => m.PeakRssDeltaBytes is { } b ? Megabytes(b) : "-"),
        new MetricColumn("CudaUsed", "device memory in use after the case (driver total − free: libtorch's cached pool + context)", UnitType.Size,
            (m, _) => m.CudaUsedBytes is { } b ? Megabytes(b) : "-"),
        new MetricColumn("CPU/op", "process CPU seconds per operation (all threads; e.g. one training epoch)", UnitType.Dimensionless,
            (m, _) => m.CpuSecondsPerOp is { } c ? c.ToString("F2", CultureInfo.InvariantCulture) + " s" : "-"),
        new CpuRatioColumn(),
        new SpeedupColumn(),
    ];

    /// <summary>CPU seconds per op relative to the class's baseline method (robust where wall time is not: a shared machine).</summary>
    private sealed class CpuRatioColumn : IColumn
    {
        public string Id => "POSLF.CpuRatio";
        public string ColumnName => "CPU ratio";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 2;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "CPU/op divided by CPU/op of the baseline method with the same parameters (< 1: cheaper)";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            if (BenchMetrics.Find(benchmarkCase)?.CpuSecondsPerOp is not { } mine) return "-";
            var reference = summary.BenchmarksCases.FirstOrDefault(c => c.Descriptor.Type == benchmarkCase.Descriptor.Type && c.Descriptor.Baseline
                && c.Parameters.Items.All(p => Equals(p.Value, benchmarkCase.Parameters[p.Name])));
            if (reference is null || BenchMetrics.Find(reference)?.CpuSecondsPerOp is not { } baseline || baseline <= 0) return "-";
            return (mine / baseline).ToString("F2", CultureInfo.InvariantCulture);
        }

        public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => BenchMetrics.Find(c)?.CpuSecondsPerOp is not null);

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }

    private static string Rate(long tokens, BenchmarkDotNet.Mathematics.Statistics statistics) =>
        (tokens / (statistics.Mean / 1e9)).ToString("N0", CultureInfo.InvariantCulture);

    private static string Megabytes(long bytes) => (bytes / 1048576.0).ToString("N1", CultureInfo.InvariantCulture) + " MB";

    /// <summary>Speed of a freeze configuration relative to <c>baseline</c> with the same other parameters (&gt; 1: faster).</summary>
    private sealed class SpeedupColumn : IColumn
    {
        public string Id => "POSLF.SpeedupVsBaseline";
        public string ColumnName => "×Baseline";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 1;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "speed relative to the baseline configuration (nothing frozen) with the same model/TF32: mean(baseline) / mean";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            if (summary[benchmarkCase]?.ResultStatistics is not { } mine) return "-";
            var reference = summary.BenchmarksCases.FirstOrDefault(c => c.Descriptor == benchmarkCase.Descriptor
                && c.Parameters.Items.All(p => p.Name == "Config" ? Equals(p.Value, "baseline") : Equals(p.Value, benchmarkCase.Parameters[p.Name])));
            if (reference is null || summary[reference]?.ResultStatistics is not { } baseline) return "-";
            return (baseline.Mean / mine.Mean).ToString("F2", CultureInfo.InvariantCulture);
        }

        public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => c.Descriptor.Type == typeof(TrainingStepBenchmarks));

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }

    private sealed class MetricColumn(string name, string legend, UnitType unit, Func<CaseMetrics, BenchmarkDotNet.Mathematics.Statistics?, string> format) : IColumn
    {
        public string Id => "POSLF." + ColumnName;
        public string ColumnName => name;
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => unit == UnitType.Size ? UnitType.Dimensionless : unit;
        public string Legend => legend;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var metrics = BenchMetrics.Find(benchmarkCase);
            if (metrics is null) return "-";
            return format(metrics, summary[benchmarkCase]?.ResultStatistics);
        }

        public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => BenchMetrics.Find(c) is not null);

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
