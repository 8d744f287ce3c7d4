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
    /// takes seconds, and a run stopped then loses nothing (<c>poslf report</c> rebuilds them). Where runs saved their
    /// models, also the layers section and layers.png (<see cref="LayersSection"/>), its inputs found as <c>poslf
    /// report</c> finds them.</summary>
    public static IReadOnlyList<ConfigSummary> Write(string outDir, CancellationToken cancel = default) => Write(outDir, null, null, cancel);

    /// <summary>As <see cref="Write(string, CancellationToken)"/>, with the layers section's inputs given
    /// (<paramref name="layerInputs"/>; null: found from the runs) and <paramref name="log"/> saying what it measures
    /// or why there is none.</summary>
    public static IReadOnlyList<ConfigSummary> Write(string outDir, Analysis.LayerStudyInputs? layerInputs, TextWriter? log, CancellationToken cancel = default)
    {
        using var folderLock = Directory.Exists(outDir) ? ResultsLock.Acquire(outDir, option: "results folder", cancel: cancel) : null;
        var runs = ResultsFolder.Collect(outDir);
        if (runs.Count == 0) throw new InvalidDataException($"{outDir}: no finished runs, no */seed-*/{RunExecutor.MetricsFile}");
        var configs = Aggregation.Summarize(runs);
        var claims = Claims.Of(configs);
        cancel.ThrowIfCancellationRequested();
        log ??= TextWriter.Null;
        var (layers, absent) = LayersSection.Of(outDir, runs, configs.Select(c => c.Config).ToArray(), layerInputs, log, cancel);
        if (absent is not null) log.WriteLine($"layers section: none ({absent})");
        cancel.ThrowIfCancellationRequested();
        AtomicFile.WriteAllText(Path.Combine(outDir, JsonFile), SweepSummaryFile.ToJson(SummaryJson.Of(runs, configs, claims) with { Layers = layers }));
        AtomicFile.WriteAllText(Path.Combine(outDir, MarkdownFile),
            SummaryMarkdown.Of(runs, configs, claims) + LayersSection.Markdown(layers, absent, runs.Any(r => r.Metrics.SavedModel is not null)));
        Figures.Write(outDir, configs, runs[0].ProfileName, runs[0].Metrics.Model, runs, cancel);
        var layersFigure = Path.Combine(outDir, LayersSection.FigureFile);
        if (layers is not null)
        {
            cancel.ThrowIfCancellationRequested();
            LayersFigure.Save(layersFigure, layers, runs[0].ProfileName, runs[0].Metrics.Model);
            log.WriteLine($"layers section: in {MarkdownFile} and {JsonFile}, figure {layersFigure}");
        }
        else
        {
            // A figure from an earlier report would contradict the summary that now has no section.
            File.Delete(layersFigure);
        }
        return configs;
    }
}
