using POSLayerFreeze.Experiments;
using POSLayerFreeze.Reporting;

namespace POSLayerFreeze.Specs;

/// <summary>
/// The seed README's conclusions, each checked against the study's runs (the SLPF and CLPF runs are reused). The
/// expected outcome — holds or not, and the effect — is part of the golden snapshot, so a change in a scientific
/// conclusion shows up as a diff to approve, not as a silently different summary.md.
/// </summary>
[TestFixture]
[Category("Claims")]
[ProfileCategory]
public sealed class ClaimsSpec
{
    private IReadOnlyList<RunRecord> runs = [];
    private IReadOnlyList<ConfigSummary> configs = [];
    private IReadOnlyList<Claim> claims = [];

    [OneTimeSetUp]
    public void SummarizeTheStudy()
    {
        var study = StudyRuns.Current;
        runs = study.Of(study.StudyConfigs).SelectMany(r => r).ToArray();
        configs = Aggregation.Summarize(runs);
        claims = Claims.Of(configs);
    }

    [TestCase("best-slpf-beats-baseline")]
    [TestCase("slpf-layer-1-best")]
    [TestCase("other-slpf-similar")]
    [TestCase("best-clpf-beats-baseline")]
    [TestCase("clpf-degrades")]
    [TestCase("all-frozen-worst")]
    [TestCase("freezing-saves-training-cost")]
    public void Claim_keeps_its_verified_outcome(string id)
    {
        var claim = claims.SingleOrDefault(c => c.Id == id);
        Assert.That(claim, Is.Not.Null, $"the summary no longer checks claim '{id}' (it checks: {string.Join(", ", claims.Select(c => c.Id))})");
        TestContext.Out.WriteLine($"{claim!.Statement} → {(claim.Holds ? "holds" : "does not hold")}: {claim.Effect}");
        TestContext.Out.WriteLine($"power: {claim.Power}");
        Goldens.Verify("claim-" + id, Goldens.ForClaim(claim, configs, runs, StudyRuns.Current.Settings));
    }

    [Test]
    public void Every_claim_of_the_summary_has_a_spec()
    {
        var specified = typeof(ClaimsSpec).GetMethod(nameof(Claim_keeps_its_verified_outcome))!
            .GetCustomAttributes(typeof(TestCaseAttribute), inherit: false).Cast<TestCaseAttribute>()
            .Select(t => (string)t.Arguments[0]!).ToArray();
        var notChecked = Claims.Unchecked(configs);
        Assert.That(claims.Select(c => c.Id), Is.EquivalentTo(specified),
            notChecked.Count == 0 ? "" : "not checked: " + string.Join("; ", notChecked.Select(u => $"{u.Id}: {u.Reason}")));
    }
}
