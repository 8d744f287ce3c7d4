using System.Globalization;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Reporting;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Golden;

/// <summary>
/// What a golden session runs: the protocol and model (compared), the backend (the golden folder and the tolerance
/// family) and the device (named in provenance when the runs do not record one).
/// </summary>
public sealed record GoldenContext(TrainingProfile Profile, string Model, string Backend, string Device);

/// <summary>
/// Turns finished runs into the golden snapshots of the specs, with tolerances from <see cref="TolerancePolicy"/>.
/// The specs only choose which runs; what is kept, and how far it may move, is decided here.
/// </summary>
public static class GoldenSnapshots
{
    /// <summary>
    /// One configuration: seed means of test/dev accuracy and test macro-F1, per-tag F1 for tags with enough test
    /// words, and the exact facts (trainable parameters, word counts, seeds).
    /// </summary>
    public static Snapshot ForConfiguration(IReadOnlyList<RunRecord> runs, GoldenContext context)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(context);
        if (runs.Count == 0) throw new ArgumentException("A configuration snapshot needs at least one run.", nameof(runs));
        var backend = context.Backend;
        var metrics = new Dictionary<string, Metric>(StringComparer.Ordinal)
        {
            ["test.accuracy"] = Mean(runs.Select(r => r.TestAccuracy).ToArray(), backend, TolerancePolicy.CpuAccuracy, TolerancePolicy.SpreadFloor),
            ["dev.accuracy"] = Mean(runs.Select(r => r.DevAccuracy).ToArray(), backend, TolerancePolicy.CpuAccuracy, TolerancePolicy.SpreadFloor),
            ["test.macro_f1"] = Mean(runs.Select(r => r.MacroF1).ToArray(), backend, TolerancePolicy.CpuMacroF1, TolerancePolicy.SpreadFloor),
        };
        var perTag = runs[0].Metrics["test"]!["per_tag"]!.AsObject();
        foreach (var (tag, score) in perTag)
        {
            if (score!["support"]!.GetValue<int>() < TolerancePolicy.StableTagSupport) continue;
            var f1 = runs.Select(r => r.Metrics["test"]!["per_tag"]![tag]!["f1"]!.GetValue<double>()).ToArray();
            metrics[$"test.f1.{tag}"] = Mean(f1, backend, TolerancePolicy.CpuTagF1, TolerancePolicy.TagSpreadFloor);
        }
        var facts = new Dictionary<string, Fact>(StringComparer.Ordinal)
        {
            ["trainable_parameters"] = Fact.Of(Single(runs, r => r.TrainableParameters, "trainable_parameters")),
            ["test.words"] = Fact.Of(Single(runs, r => r.Metrics["test"]!["words"]!.GetValue<long>(), "test.words")),
            ["dev.words"] = Fact.Of(Single(runs, r => r.Metrics["dev"]!["words"]!.GetValue<long>(), "dev.words")),
            ["seeds"] = Fact.Of(SeedList(runs.Select(r => r.Seed))),
        };
        return new Snapshot(ProvenanceOf(runs, context), metrics, facts);
    }

    /// <summary>
    /// A claim: whether it holds and its statement (exact), and its effect size, whose statistical tolerance comes
    /// from the test-accuracy spread of the two configurations the claim compares (<see cref="Claim.Compared"/>).
    /// </summary>
    public static Snapshot ForClaim(Claim claim, IReadOnlyList<ConfigSummary> configs, IReadOnlyList<RunRecord> runs, GoldenContext context)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(configs);
        ArgumentNullException.ThrowIfNull(context);
        // A cost claim's effect is a ratio of measured times (issue 18), never bit-reproducible: a timing metric.
        var metrics = claim.EffectIsCostRatio
            ? new Dictionary<string, Metric>(StringComparer.Ordinal) { [TolerancePolicy.TimingPrefix + "effect_size"] = new(claim.EffectSize, TolerancePolicy.TimingRatio) }
            : new Dictionary<string, Metric>(StringComparer.Ordinal) { ["effect_size"] = new(claim.EffectSize, EffectTolerance(claim, configs, context.Backend)) };
        var facts = new Dictionary<string, Fact>(StringComparer.Ordinal)
        {
            ["statement"] = Fact.Of(claim.Statement),
            ["seeds"] = Fact.Of(SeedList(configs.SelectMany(c => c.Seeds).Distinct())),
        };
        // A cost claim's outcome rests on measured seconds, which no machine reproduces exactly (on the CPU the CLPF
        // prefixes lie within a few percent of each other, inside timing noise: measured 45.4, 45.6, 43.3, 45.0, 44.1
        // CPU-s per smoke epoch): an exact golden of it would fail at random. The golden holds its deterministic part
        // exactly and the weakest time ratio within the timing tolerance; summary.md reports the measured outcome.
        if (claim.EffectIsCostRatio && claim.ParametersFall is { } parametersFall) facts["parameters_fall"] = Fact.Of(parametersFall);
        else facts["holds"] = Fact.Of(claim.Holds);
        return new Snapshot(ProvenanceOf(runs, context), metrics, facts);
    }

    /// <summary>
    /// <see cref="TolerancePolicy.OfEffect"/> over the test accuracy of the two configurations <paramref name="claim"/>
    /// compares. A claim that names no pair fails loudly: falling back to the study's largest spread would hide a
    /// 0.1-point effect under a 3-point tolerance again.
    /// </summary>
    public static double EffectTolerance(Claim claim, IReadOnlyList<ConfigSummary> configs, string backend)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(configs);
        if (claim.Compared.Count != 2)
            throw new InvalidOperationException(
                $"claim '{claim.Id}' names {claim.Compared.Count} compared configuration(s); its effect tolerance needs exactly the two it compares (Claim.Compared)");
        ConfigSummary Find(string name) => configs.FirstOrDefault(c => c.Config == name)
            ?? throw new InvalidOperationException($"claim '{claim.Id}' compares '{name}', which is not among the summarized configurations");
        return TolerancePolicy.OfEffect(backend, Find(claim.Compared[0]).TestAccuracy, Find(claim.Compared[1]).TestAccuracy);
    }

    /// <summary>
    /// Where the numbers came from: the profile and model of the session; versions, device, date, commit and the
    /// platform fingerprint as recorded by the runs themselves (runs reused from a runs folder were made elsewhere),
    /// else this process's. The fingerprint is null unless every run records the same one: results merged from
    /// several platforms have no single rounding path to compare exactly against. The treebank is the runs' own
    /// (metrics.json <c>treebank</c>: name, per split sha256 and words); runs of different treebanks are refused.
    /// </summary>
    public static Provenance ProvenanceOf(IReadOnlyList<RunRecord> runs, GoldenContext context)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(context);
        var profile = context.Profile;
        var recorded = runs.Select(r => r.Metrics["provenance"]).LastOrDefault(p => p is not null);
        string Recorded(string key, Func<string> fallback) => recorded?[key]?.GetValue<string>() is { Length: > 0 } value ? value : fallback();
        var fingerprints = runs.Select(r => PlatformFingerprint.FromJson(r.Metrics["provenance"]?["fingerprint"])).Distinct().ToArray();
        // Unlike a fingerprint, a treebank cannot be mixed: one snapshot's numbers come from one treebank's words. A run
        // made before metrics.json recorded its treebank read EWT (its inputs hash, which holds the split sha256s, is
        // what let it be reused), so it counts as the pinned EWT here and adds no record of its own.
        var recordedTreebanks = runs.Select(r => r.Metrics["treebank"] is { } t ? GoldenTreebank.FromRunJson(t, Path.Combine(r.Directory, "metrics.json")) : null).ToArray();
        var treebanks = recordedTreebanks.Select(t => t ?? GoldenTreebank.PinnedEwt).Distinct().ToArray();
        if (treebanks.Length > 1)
            throw new InvalidDataException($"the runs of one golden snapshot were made on different treebanks: {string.Join(", ", treebanks.Select(t => t.Describe()))}");
        return new Provenance(
            profile.Name,
            profile.Version.ToString(CultureInfo.InvariantCulture),
            context.Model,
            context.Backend,
            runs.Select(r => r.Seed).Distinct().Order().ToArray(),
            Recorded("torchsharp", () => TorchRuntime.TorchSharpVersion),
            Recorded("libtorch", TorchRuntime.LibTorchVersion),
            Recorded("device", () => context.Device),
            Recorded("date_utc", () => DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)),
            Recorded("commit", () => BuildInfo.Commit),
            fingerprints.Length == 1 ? fingerprints[0] : null,
            recordedTreebanks.FirstOrDefault(t => t is not null));
    }

    private static Metric Mean(IReadOnlyList<double> perSeed, string backend, double cpu, double floor) =>
        new(perSeed.Average(), TolerancePolicy.OfMean(backend, cpu, floor, perSeed));

    private static long Single(IReadOnlyList<RunRecord> runs, Func<RunRecord, long> value, string name)
    {
        var values = runs.Select(value).Distinct().ToArray();
        if (values.Length != 1) throw new InvalidDataException($"{name} differs between the seeds of one configuration: {string.Join(", ", values)}");
        return values[0];
    }

    private static string SeedList(IEnumerable<long> seeds) => string.Join(",", seeds.Order().Select(s => s.ToString(CultureInfo.InvariantCulture)));
}
