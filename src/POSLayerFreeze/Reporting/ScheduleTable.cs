using System.Globalization;
using System.Text;
using POSLayerFreeze.Experiments;

namespace POSLayerFreeze.Reporting;

/// <summary>
/// summary.md's "Schedules" section: for each configuration whose runs recorded a freeze schedule or layer-wise rates
/// (metrics.json <c>schedule</c>), the trainable parameters over time (at the start and at every change; the set is
/// piecewise constant in between) and their mean over the steps. Absent when no run has one, so summaries of fixed
/// plans read as before.
/// </summary>
internal static class ScheduleTable
{
    public static void Append(StringBuilder md, IReadOnlyList<RunRecord> runs, IReadOnlyList<ConfigSummary> configs)
    {
        // Every seed of a configuration runs the same steps, so the first seed's trace stands for all.
        var traced = configs.Select(c => (c.Config, Trace: runs.Where(r => r.Config == c.Config).OrderBy(r => r.Seed).First().Metrics.Schedule))
            .Where(t => t.Trace is not null).ToArray();
        if (traced.Length == 0) return;
        md.Append("\n## Schedules\n\nTrainable parameters before the first step and after every change of a freeze schedule ")
          .Append("(step: count, with the frozen units); the mean is over all optimizer steps. ξ: layer-wise learning-rate decay.\n\n")
          .Append("| config | ξ | trainable parameters over time | mean trainable params |\n|---|---:|---|---:|\n");
        foreach (var (config, trace) in traced)
        {
            var changes = string.Join("; ", trace!.Changes.Select(c => string.Create(CultureInfo.InvariantCulture,
                $"step {c.Step}: {c.TrainableParameters:N0} ({(c.Frozen.Count == 0 ? "none frozen" : "frozen " + string.Join(" ", c.Frozen))})")));
            var xi = trace.LayerDecay is { } d ? d.ToString("0.###", CultureInfo.InvariantCulture) : "—";
            md.Append(CultureInfo.InvariantCulture, $"| {config} | {xi} | {changes} | {trace.MeanTrainableParameters:N0} |\n");
        }
    }
}
