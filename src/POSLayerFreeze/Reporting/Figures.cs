using POSLayerFreeze.Experiments;

namespace POSLayerFreeze.Reporting;

/// <summary>
/// The figures of a results folder (result.png, tradeoff.png, curves.png). result.png and tradeoff.png are drawn from
/// per-configuration statistics: either freshly summarized runs or a summary.json alone (a committed result, a folder
/// whose runs were not kept); curves.png needs the runs' training logs, so it is drawn only where the runs are.
/// </summary>
public static class Figures
{
    public const string TradeoffFile = "tradeoff.png";
    public const string CurvesFile = "curves.png";

    /// <param name="runs">The runs behind <paramref name="configs"/>: with them curves.png is drawn too.</param>
    public static IReadOnlyList<PlottedFigure> Write(string outDir, IReadOnlyList<ConfigSummary> configs, string profile, string model,
        IReadOnlyList<RunRecord>? runs = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(configs);
        // Checked before each figure (each takes up to a second or so): a signal stops between two, never inside
        // native drawing code.
        cancel.ThrowIfCancellationRequested();
        var figures = new List<PlottedFigure> { ResultFigure.Save(Path.Combine(outDir, Summary.FigureFile), configs, profile, model) };
        cancel.ThrowIfCancellationRequested();
        figures.Add(TradeoffFigure.Save(Path.Combine(outDir, TradeoffFile), configs, profile, model));
        if (runs is { Count: > 0 })
        {
            cancel.ThrowIfCancellationRequested();
            figures.Add(CurvesFigure.Save(Path.Combine(outDir, CurvesFile),
                ConfigCurves.Of(runs, configs.Select(c => c.Config).ToArray()), profile, model));
        }
        return figures;
    }

    /// <summary>Draws curves.png of <paramref name="outDir"/> from its finished runs (summary order).</summary>
    public static PlottedFigure WriteCurves(string outDir)
    {
        var runs = ResultsFolder.Collect(outDir);
        if (runs.Count == 0) throw new InvalidDataException($"{outDir}: no finished runs, no */seed-*/{RunExecutor.MetricsFile}");
        var configs = Aggregation.Summarize(runs);
        return CurvesFigure.Save(Path.Combine(outDir, CurvesFile), ConfigCurves.Of(runs, configs.Select(c => c.Config).ToArray()),
            runs[0].ProfileName, runs[0].Metrics.Model);
    }

    /// <summary>Redraws the figures of <paramref name="outDir"/> from its summary.json (no runs needed).</summary>
    public static IReadOnlyList<PlottedFigure> WriteFromSummary(string outDir)
    {
        var (configs, profile, model) = SummaryJson.Read(Path.Combine(outDir, Summary.JsonFile));
        var figures = Write(outDir, configs, profile, model);
        // layers.png only where the summary has a layers section (runs saved with --save-model).
        if (SweepSummaryFile.Read(Path.Combine(outDir, Summary.JsonFile)).Layers is not { } layers) return figures;
        return [.. figures, LayersFigure.Save(Path.Combine(outDir, LayersSection.FigureFile), layers, profile, model)];
    }
}
