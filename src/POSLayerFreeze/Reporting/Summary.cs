using POSLayerFreeze.Experiments;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Reporting;

/// <summary>
/// Turns a results folder into summary.json, summary.md (table + claims) and the figures: the one call a sweep, a
/// merge and <c>poslf report</c> make. Each part is its own file here: <see cref="Aggregation"/>, <see cref="Claims"/>,
/// <see cref="SummaryJson"/>, <see cref="SummaryMarkdown"/>, <see cref="Figures"/>.
/// </summary>
public static class Summary
{
    public const string JsonFile = "summary.json";
    public const string MarkdownFile = "summary.md";
    public const string FigureFile = "result.png";

    /// <summary>Writes summary.json, summary.md, result.png, tradeoff.png and curves.png for every finished run under
    /// <paramref name="outDir"/>. <paramref name="cancel"/> (Ctrl+C, SIGTERM) is checked between the files: drawing
    /// takes seconds, and a run stopped then loses nothing (<c>poslf report</c> rebuilds them).</summary>
    public static IReadOnlyList<ConfigSummary> Write(string outDir, CancellationToken cancel = default)
    {
        using var folderLock = Directory.Exists(outDir) ? ResultsLock.Acquire(outDir, option: "results folder", cancel: cancel) : null;
        var runs = ResultsFolder.Collect(outDir);
        if (runs.Count == 0) throw new InvalidDataException($"{outDir}: no finished runs, no */seed-*/{RunExecutor.MetricsFile}");
        var configs = Aggregation.Summarize(runs);
        var claims = Claims.Of(configs);
        cancel.ThrowIfCancellationRequested();
        AtomicFile.WriteAllText(Path.Combine(outDir, JsonFile), SweepSummaryFile.ToJson(SummaryJson.Of(runs, configs, claims)));
        AtomicFile.WriteAllText(Path.Combine(outDir, MarkdownFile), SummaryMarkdown.Of(runs, configs, claims));
        Figures.Write(outDir, configs, runs[0].ProfileName, runs[0].Metrics.Model, runs, cancel);
        return configs;
    }
}
