using POSLayerFreeze.Evaluation;
using POSLayerFreeze.Reporting;

namespace POSLayerFreeze.Tests.Reporting;

/// <summary>The literature's claims about the methods suite: made only where their configurations ran, decided by
/// the stated rule on both sides of its threshold.</summary>
public sealed class MethodClaimsTests
{
    private static ConfigSummary Summary(string config, double accuracy, BootstrapResult? versusBaseline = null) =>
        new(config, [], 1, [42], MeanSd.Of([accuracy]), MeanSd.Of([accuracy]), MeanSd.Of([accuracy]), MeanSd.Of([1.0]), versusBaseline);

    private static BootstrapResult Delta(double difference, double lower, double upper) =>
        new(difference, lower, upper, 0.5, 1000, 1, 100, 1000);

    [Test]
    public void A_study_without_the_methods_configurations_gets_no_method_claim()
    {
        var claims = Claims.Of([Summary("baseline", 0.9), Summary("all", 0.5, Delta(-0.4, -0.41, -0.39))]);
        Assert.That(claims.Select(c => c.Id), Does.Contain("all-frozen-worst"), "the seed README's claims are still made");
        Assert.That(claims.Select(c => c.Id), Has.None.Contains("no-worse").And.None.Contains("pretraining"));
        Assert.That(MethodClaims.Of([Summary("random-init", 0.3)]), Is.Empty, "no baseline, nothing to compare");
    }

    [TestCase(0.25, true)]
    [TestCase(0.85, false)]   // 5 points below: pretraining worth less than 10
    [TestCase(0.80, false)]   // exactly 10 points is not more than 10
    public void Pretraining_is_worth_more_than_ten_points_when_random_init_trails_the_baseline_by_more(double randomInit, bool holds)
    {
        var claim = MethodClaims.Of([Summary("baseline", 0.90), Summary("random-init", randomInit)]).Single();
        Assert.That(claim.Id, Is.EqualTo("pretraining-worth-10-points"));
        Assert.That(claim.Holds, Is.EqualTo(holds));
        Assert.That(claim.EffectSize, Is.EqualTo(0.90 - randomInit).Within(1e-12));
        Assert.That(claim.Compared, Is.EqualTo(new[] { "baseline", "random-init" }));
    }

    [TestCase(-0.004, -0.010, 0.002, true)]    // the interval reaches above 0: not shown worse
    [TestCase(-0.020, -0.030, -0.010, false)]  // the whole interval below 0: worse
    public void Gradual_unfreezing_is_no_worse_unless_its_whole_interval_lies_below_the_baseline(double delta, double lower, double upper, bool holds)
    {
        var claims = MethodClaims.Of([Summary("baseline", 0.9), Summary("gradual-4s", 0.9 + delta, Delta(delta, lower, upper)), Summary("freezeout-0.5", 0.89, Delta(-0.01, -0.02, 0))]);
        var claim = claims.Single();
        Assert.That(claim.Id, Is.EqualTo("gradual-4s-no-worse-than-baseline"), "freezeout is not gradual unfreezing");
        Assert.That(claim.Holds, Is.EqualTo(holds));
        Assert.That(claim.Statement, Does.Contain("sentence-bootstrap"), "one seed: the rule says it ignores retraining noise");
    }

    [Test]
    public void Schedules_and_layer_rates_have_their_own_colour_and_the_claims_table_its_own_heading()
    {
        Assert.That(Plotting.ColorOf("gradual-4s"), Is.EqualTo(Plotting.MethodColor));
        Assert.That(Plotting.ColorOf("freezeout-0.5"), Is.EqualTo(Plotting.MethodColor));
        Assert.That(Plotting.ColorOf("llrd-0.8"), Is.EqualTo(Plotting.MethodColor));
        Assert.That(Plotting.ColorOf("clpf-0+1"), Is.EqualTo(Plotting.ClpfColor), "CLPF keeps its colour");
        Assert.That(Plotting.ColorOf("all"), Is.EqualTo(Plotting.ClpfColor));
        var method = MethodClaims.Of([Summary("baseline", 0.9), Summary("random-init", 0.3)]).Single();
        Assert.That(MethodClaims.IsMethodClaim(method), Is.True);
        var seedReadme = Claims.Of([Summary("baseline", 0.9), Summary("all", 0.5, Delta(-0.4, -0.41, -0.39))]).First(c => c.Id == "all-frozen-worst");
        Assert.That(MethodClaims.IsMethodClaim(seedReadme), Is.False);
    }
}
