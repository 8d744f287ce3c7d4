using POSLayerFreeze.Evaluation;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Freezing;

namespace POSLayerFreeze.Reporting;

/// <summary>Statistics of one configuration across its seeds, with the comparison against the baseline.</summary>
public sealed record ConfigSummary(string Config, IReadOnlyList<string> Frozen, long TrainableParameters, IReadOnlyList<long> Seeds,
    MeanSd TestAccuracy, MeanSd DevAccuracy, MeanSd MacroF1, MeanSd TokensPerSecond, BootstrapResult? VersusBaseline)
{
    /// <summary>Wall time of training (train.seconds) across seeds; null in summaries written before it was recorded.</summary>
    public MeanSd? TrainSeconds { get; init; }

    /// <summary>Against the baseline, resampling seeds then sentences (not computable with one seed a side).</summary>
    public SeedAwareResult? SeedAware { get; init; }

    /// <summary>Against the baseline, Welch's t over per-seed test accuracies.</summary>
    public SeedAwareResult? Welch { get; init; }

    /// <summary>Device the runs trained on (<c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Optimizer steps of one run (the same for every seed of a profile).</summary>
    public int Steps { get; init; }

    /// <summary>Wall seconds per optimizer step, across seeds.</summary>
    public MeanSd SecondsPerStep { get; init; }

    /// <summary>Process CPU seconds per optimizer step, across seeds; null when a run lacks <c>train.cpu_seconds</c>.</summary>
    public MeanSd? CpuSecondsPerStep { get; init; }
}

/// <summary>Finished runs grouped per configuration, in display order, each compared with the baseline.</summary>
public static class Aggregation
{
    /// <summary>
    /// Canonical display order: baseline, slpf by layer, clpf by size, all, the controls, then anything else. Only the order of
    /// the keys matters; each group has its own band so that no model depth can make two groups overlap: slpf-N is
    /// <see cref="SlpfBand"/> + N (N &lt; 900), clpf-… is <see cref="ClpfBand"/> + 10 per unit after the first
    /// (fewer than 200 units), and ties within a band fall back to the config name (see <see cref="Summarize"/>).
    /// </summary>
    public static int OrderKey(string config) => FreezePlanName.TryRead(config) switch
    {
        { Kind: FreezeKind.Baseline } => 0,
        { Kind: FreezeKind.All } => AllKey,
        { Kind: FreezeKind.SingleLayer } plan => SlpfBand + plan.Layers[0],
        { Kind: FreezeKind.Compound } plan => ClpfBand + ((plan.ListedUnits - 1) * 10),
        // The controls after every freeze plan: random-init, then drop-top by K.
        { Kind: FreezeKind.RandomInit } => ControlBand,
        { Kind: FreezeKind.DropTop } plan => ControlBand + Math.Min(plan.DroppedLayers, 900),
        _ => OtherKey,
    };

    /// <summary>True for the control plans (random-init, drop-top-K): they freeze nothing, so claims about freezing leave them out.</summary>
    public static bool IsControl(string config) => FreezePlanName.TryRead(config)?.IsControlKind == true;

    /// <summary>The kind of plan a configuration's name gives; null for a name that is not a freeze plan's.</summary>
    public static FreezeKind? KindOf(string config) => FreezePlanName.TryRead(config)?.Kind;

    private const int SlpfBand = 100, ClpfBand = 1000, AllKey = 3000, ControlBand = 4000, OtherKey = 5000;

    public static IReadOnlyList<ConfigSummary> Summarize(IReadOnlyList<RunRecord> runs)
    {
        var profiles = runs.Select(r => r.ProfileName).Distinct().ToArray();
        if (profiles.Length > 1) throw new InvalidDataException($"results mix profiles ({string.Join(", ", profiles)}): summarize one profile at a time");
        var treebanks = runs.Select(r => r.TreebankName).Distinct().ToArray();
        if (treebanks.Length > 1) throw new InvalidDataException($"results mix treebanks ({string.Join(", ", treebanks)}): summarize one treebank at a time");
        RunInputs.EnsureOneExperiment(runs);
        var baseline = runs.Where(r => r.Config == "baseline").OrderBy(r => r.Seed).ToArray();
        return runs.GroupBy(r => r.Config)
            .OrderBy(g => OrderKey(g.Key)).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var seeds = g.OrderBy(r => r.Seed).ToArray();
                BootstrapResult? versus = null;
                SeedAwareResult? seedAware = null, welch = null;
                if (baseline.Length > 0 && g.Key != "baseline")
                {
                    var baselineBySeed = baseline.Select(r => (IReadOnlyList<int>)r.SentenceCorrect).ToArray();
                    var configBySeed = seeds.Select(r => (IReadOnlyList<int>)r.SentenceCorrect).ToArray();
                    versus = PairedBootstrap.CompareSeeds(baselineBySeed, configBySeed, baseline[0].SentenceWords);
                    seedAware = SeedAware.HierarchicalBootstrap(baselineBySeed, configBySeed, baseline[0].SentenceWords);
                    welch = SeedAware.Welch(baseline.Select(r => r.TestAccuracy).ToArray(), seeds.Select(r => r.TestAccuracy).ToArray());
                }
                var cpu = seeds.Select(r => r.CpuSeconds / r.Steps).ToArray();
                return new ConfigSummary(g.Key,
                    seeds[0].Metrics.Frozen.ToArray(),
                    seeds[0].TrainableParameters, seeds.Select(r => r.Seed).ToArray(),
                    MeanSd.Of(seeds.Select(r => r.TestAccuracy).ToArray()), MeanSd.Of(seeds.Select(r => r.DevAccuracy).ToArray()),
                    MeanSd.Of(seeds.Select(r => r.MacroF1).ToArray()), MeanSd.Of(seeds.Select(r => r.TokensPerSecond).ToArray()), versus)
                {
                    TrainSeconds = MeanSd.Of(seeds.Select(r => r.TrainSeconds).ToArray()),
                    SeedAware = seedAware,
                    Welch = welch,
                    Device = seeds[0].Device,
                    Steps = seeds[0].Steps,
                    SecondsPerStep = MeanSd.Of(seeds.Select(r => r.TrainSeconds / r.Steps).ToArray()),
                    CpuSecondsPerStep = cpu.All(c => c is not null) ? MeanSd.Of(cpu.Select(c => c!.Value).ToArray()) : null,
                };
            }).ToArray();
    }
}
