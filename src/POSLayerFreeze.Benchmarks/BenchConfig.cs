using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;

namespace POSLayerFreeze.Benchmarks;

/// <summary>
/// The configuration Program.cs gives BenchmarkSwitcher; command-line flags (--job, --filter, --exporters,
/// --artifacts …) apply on top. It defines no job, so <c>--job</c> keeps working (BenchmarkDotNet lets a
/// config's default job override <c>--job</c>); Program.cs adds <c>--inProcess</c> instead. The
/// training benchmarks' columns (tokens/s, memory), the memory diagnoser and the throughput plot are always on;
/// GitHub markdown, CSV and JSON are exported by default, as <c>--exporters github csv json</c> asks.
/// </summary>
public sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        AddLogger(ConsoleLogger.Default);
        AddColumnProvider(DefaultColumnProviders.Instance);
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(TrainingColumns.All.ToArray());
        AddColumn(new TaggingBenchmarks.WordsPerSecondColumn());
        AddColumn(StatisticColumn.Median);
        AddExporter(MarkdownExporter.GitHub, CsvExporter.Default, JsonExporter.Full, ThroughputPlotExporter.Instance);
        WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend));
        WithOptions(ConfigOptions.DisableLogFile);
    }
}
