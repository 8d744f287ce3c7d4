using System.Globalization;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Golden;
using POSLayerFreeze.Runtime;
using Provenance = POSLayerFreeze.Golden.Provenance;

namespace POSLayerFreeze.Specs;

/// <summary>
/// Turns runs into golden snapshots and checks them against <c>golden/&lt;profile&gt;/&lt;backend&gt;</c>. A spec never
/// passes without a verified snapshot: a missing or differing one fails with the table and the approve command.
/// </summary>
public static class Goldens
{
    private static readonly Lazy<GoldenStore> Store = new(() => GoldenStore.Locate(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Checks <paramref name="received"/> against the verified snapshot of <paramref name="experiment"/>; fails the spec on a miss.</summary>
    public static void Verify(string experiment, Snapshot received)
    {
        ArgumentNullException.ThrowIfNull(received);
        var result = Store.Value.Check(experiment, received);
        TestContext.Out.Write(result.Message);
        if (result.Passed) return;
        var lead = result.Outcome == GoldenOutcome.Missing
            ? $"No golden yet for {received.Provenance.Profile}/{received.Provenance.Backend}/{experiment}: review the received values below and approve them."
            : $"The results of {experiment} moved beyond tolerance from the verified golden (a change in results or in conclusion).";
        Assert.Fail($"{lead}\n{result.Message}");
    }

    /// <summary>
    /// One configuration: seed means of test/dev accuracy and test macro-F1, per-tag F1 for tags with enough test
    /// words, and the exact facts (trainable parameters, word counts, seeds).
    /// </summary>
    public static Snapshot ForConfiguration(IReadOnlyList<RunRecord> runs, SpecSettings settings)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(settings);
        var backend = settings.Backend;
        var metrics = new Dictionary<string, Metric>(StringComparer.Ordinal)
        {
            ["test.accuracy"] = Mean(runs.Select(r => r.TestAccuracy).ToArray(), backend, Tolerances.CpuAccuracy, Tolerances.SpreadFloor),
            ["dev.accuracy"] = Mean(runs.Select(r => r.DevAccuracy).ToArray(), backend, Tolerances.CpuAccuracy, Tolerances.SpreadFloor),
            ["test.macro_f1"] = Mean(runs.Select(r => r.MacroF1).ToArray(), backend, Tolerances.CpuMacroF1, Tolerances.SpreadFloor),
        };
        var perTag = runs[0].Metrics["test"]!["per_tag"]!.AsObject();
        foreach (var (tag, score) in perTag)
        {
            if (score!["support"]!.GetValue<int>() < Tolerances.StableTagSupport) continue;
            var f1 = runs.Select(r => r.Metrics["test"]!["per_tag"]![tag]!["f1"]!.GetValue<double>()).ToArray();
            metrics[$"test.f1.{tag}"] = Mean(f1, backend, Tolerances.CpuTagF1, Tolerances.TagSpreadFloor);
        }
        var facts = new Dictionary<string, Fact>(StringComparer.Ordinal)
        {
            ["trainable_parameters"] = Fact.Of(Single(runs, r => r.TrainableParameters, "trainable_parameters")),
            ["test.words"] = Fact.Of(Single(runs, r => r.Metrics["test"]!["words"]!.GetValue<long>(), "test.words")),
            ["dev.words"] = Fact.Of(Single(runs, r => r.Metrics["dev"]!["words"]!.GetValue<long>(), "dev.words")),
            ["seeds"] = Fact.Of(SeedList(runs.Select(r => r.Seed))),
        };
        return new Snapshot(ProvenanceOf(runs, settings), metrics, facts);
    }

    /// <summary>A claim: whether it holds (exact) and its effect size (a metric whose tolerance comes from the runs' spread).</summary>
    public static Snapshot ForClaim(Claim claim, IReadOnlyList<ConfigSummary> configs, IReadOnlyList<RunRecord> runs, SpecSettings settings)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(configs);
        ArgumentNullException.ThrowIfNull(settings);
        var seeds = configs.Min(c => c.Seeds.Count);
        var largestSd = configs.Max(c => c.TestAccuracy.Sd);
        var metrics = new Dictionary<string, Metric>(StringComparer.Ordinal)
        {
            ["effect_size"] = new(claim.EffectSize, Tolerances.OfEffect(settings.Backend, largestSd, seeds)),
        };
        var facts = new Dictionary<string, Fact>(StringComparer.Ordinal)
        {
            ["holds"] = Fact.Of(claim.Holds),
            ["statement"] = Fact.Of(claim.Statement),
            ["seeds"] = Fact.Of(SeedList(configs.SelectMany(c => c.Seeds).Distinct())),
        };
        return new Snapshot(ProvenanceOf(runs, settings), metrics, facts);
    }

    /// <summary>
    /// Where the numbers came from: the profile and model of the session; versions, device, date and commit as
    /// recorded by the runs themselves (runs reused from POSLF_RUNS_DIR were made elsewhere), else this process's.
    /// </summary>
    public static Provenance ProvenanceOf(IReadOnlyList<RunRecord> runs, SpecSettings settings)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(settings);
        var profile = settings.TrainingProfile;
        var recorded = runs.Select(r => r.Metrics["provenance"]).LastOrDefault(p => p is not null);
        string Recorded(string key, Func<string> fallback) => recorded?[key]?.GetValue<string>() is { Length: > 0 } value ? value : fallback();
        return new Provenance(
            profile.Name,
            profile.Version.ToString(CultureInfo.InvariantCulture),
            settings.Model,
            settings.Backend,
            runs.Select(r => checked((int)r.Seed)).Distinct().Order().ToArray(),
            Recorded("torchsharp", () => TorchRuntime.TorchSharpVersion),
            Recorded("libtorch", TorchRuntime.LibTorchVersion),
            Recorded("device", () => settings.Device),
            Recorded("date_utc", () => DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)),
            Recorded("commit", () => BuildInfo.Commit));
    }

    private static Metric Mean(IReadOnlyList<double> perSeed, string backend, double cpu, double floor) =>
        new(perSeed.Average(), Tolerances.Of(backend, cpu, floor, perSeed));

    private static long Single(IReadOnlyList<RunRecord> runs, Func<RunRecord, long> value, string name)
    {
        var values = runs.Select(value).Distinct().ToArray();
        if (values.Length != 1) throw new InvalidDataException($"{name} differs between the seeds of one configuration: {string.Join(", ", values)}");
        return values[0];
    }

    private static string SeedList(IEnumerable<long> seeds) => string.Join(",", seeds.Order().Select(s => s.ToString(CultureInfo.InvariantCulture)));
}
