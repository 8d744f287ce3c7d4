using POSLayerFreeze.Evaluation;

namespace POSLayerFreeze.Tests.Evaluation;

/// <summary>
/// Edges of the sentence bootstrap, the t distribution, the mean/sd and macro-F1 that Stryker's survivors showed
/// untested (eng/stryker/README.md): the bootstrap replayed draw for draw, including a resample of only empty
/// sentences; which argument a refusal names; a spread far below its mean; a tag that is never predicted.
/// </summary>
public sealed class StatisticsEdgeTests
{
    [Test]
    public void TheSentenceBootstrapIsItsDocumentedResamplingDrawForDraw()
    {
        // sentence 1 holds no words: (1/3)³ of the resamples draw only it, and their δ* is 0, not 0/0
        int[] a = [1, 0, 3], b = [2, 0, 1], words = [3, 0, 4];
        const int resamples = 1000;
        var result = PairedBootstrap.Compare(a, b, words, resamples, seed: 17);
        var deltas = BootstrapReplay.Deltas(a, b, words, resamples, 17);
        Assert.That(deltas.Count(d => d == 0), Is.GreaterThan(20), "resamples of only the empty sentence (and ties) occur");
        var below = deltas.Count(d => d <= 0);
        var above = deltas.Count(d => d >= 0);
        Assert.That(result.PValue, Is.EqualTo(Math.Min(1.0, 2.0 * Math.Min(below, above) / resamples)));
        Assert.That(result.Lower, Is.EqualTo(BootstrapReplay.Percentile(deltas, 0.025)));
        Assert.That(result.Upper, Is.EqualTo(BootstrapReplay.Percentile(deltas, 0.975)));
        Assert.That(double.IsFinite(result.Lower) && double.IsFinite(result.Upper), Is.True);
        Assert.That(result.Difference, Is.EqualTo(-1.0 / 7).Within(1e-15));
    }

    [Test]
    public void TheIntegerBootstrapNamesTheNullSide()
    {
        int[] one = [1];
        Assert.That(Assert.Throws<ArgumentNullException>(() => PairedBootstrap.Compare((int[])null!, one, one))!.ParamName, Is.EqualTo("correctA"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => PairedBootstrap.Compare(one, (int[])null!, one))!.ParamName, Is.EqualTo("correctB"));
    }

    [Test]
    public void ZeroDegreesOfFreedomAndAZeroBetaParameterAreRefusedByTheirOwnChecks()
    {
        // df = 0 must be refused as df, not fail deeper as the incomplete beta's a = df/2 = 0
        foreach (var t in new[] { 1.0, 0.0 })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Cdf(t, 0));
            Assert.That(error!.ParamName, Is.EqualTo("df"));
            Assert.That(error.Message, Does.StartWith("The t distribution needs df > 0 and a number t. (Parameter 'df')"));
        }
    }

    [Test]
    public void AQuantileOfZeroOrOneIsRefusedWithTheValueGiven()
    {
        // p = 0 refused as 0 itself, not as the 1 − p of the lower half's recursion
        foreach (var p in new[] { 0.0, 1.0 })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Quantile(p, 3));
            Assert.That((error!.ParamName, error.ActualValue), Is.EqualTo(("p", (object)p)));
        }
    }

    [Test]
    public void TheSdOfValuesFarFromZeroKeepsItsDigits()
    {
        // the two-pass formula Σ(v − mean)²: the one-pass Σv² − n·mean² loses everything here (even goes negative)
        double[] far = [1e9 + 0.1, 1e9 + 0.2, 1e9 + 0.4];
        var near = far.Select(v => v - 1e9).ToArray();   // exact: v and 1e9 are within a factor 2
        var sd = MeanSd.Of(far).Sd;
        Assert.That(sd, Is.EqualTo(MeanSd.Of(near).Sd).Within(1e-9));
        Assert.That(sd, Is.EqualTo(0.152753).Within(1e-6));   // sd of 0.1, 0.2, 0.4
    }

    [Test]
    public void ATagInGoldThatIsNeverPredictedCountsInMacroF1WithF1Zero()
    {
        // gold [A A B], predicted [A A A]: A P 2/3 R 1 F1 0.8; B support 1, predicted 0, F1 0 → macro (0.8 + 0)/2
        var m = TagMetrics.Compute([[0, 0, 1]], [[0, 0, 0]], ["A", "B"]);
        Assert.That(m.PerTag["B"].F1, Is.Zero);
        Assert.That(m.MacroF1, Is.EqualTo(0.4).Within(1e-15));
    }
}
