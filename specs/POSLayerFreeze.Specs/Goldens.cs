using POSLayerFreeze.Experiments;
using POSLayerFreeze.Golden;
using POSLayerFreeze.Reporting;

namespace POSLayerFreeze.Specs;

/// <summary>
/// The specs' side of the golden snapshots: which session they belong to, and failing the spec on a miss. What a
/// snapshot holds and its tolerances are the library's (<see cref="GoldenSnapshots"/>, <see cref="TolerancePolicy"/>).
/// A spec never passes without a verified snapshot: a missing or differing one fails with the table and the
/// approve command.
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
        var p = received.Provenance;
        var lead = result.Outcome == GoldenOutcome.Missing
            ? $"No golden for {p.Profile} v{p.ProfileVersion} on {p.EffectiveTreebank.Name} ({p.Backend}/{experiment}): review the received values below and approve them."
            : $"The results of {experiment} moved from the verified golden under the {result.Rule?.Name} rule (a change in results or in conclusion).";
        Assert.Fail($"{lead}\n{result.Message}");
    }

    public static Snapshot ForConfiguration(IReadOnlyList<RunRecord> runs, SpecSettings settings) =>
        GoldenSnapshots.ForConfiguration(runs, Context(settings));

    public static Snapshot ForClaim(Claim claim, IReadOnlyList<ConfigSummary> configs, IReadOnlyList<RunRecord> runs, SpecSettings settings) =>
        GoldenSnapshots.ForClaim(claim, configs, runs, Context(settings));

    public static Provenance ProvenanceOf(IReadOnlyList<RunRecord> runs, SpecSettings settings) =>
        GoldenSnapshots.ProvenanceOf(runs, Context(settings));

    private static GoldenContext Context(SpecSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new GoldenContext(settings.TrainingProfile, settings.Model, settings.Backend, settings.Device);
    }
}
