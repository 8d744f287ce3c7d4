using POSLayerFreeze.Evaluation;

namespace POSLayerFreeze.Tests.Evaluation;

/// <summary>The t distribution (MathNet.Numerics behind our checks) against closed forms (ν = 1, 2, 4) and printed t tables.</summary>
public sealed class StudentTTests
{
    private static readonly double[] Ts = [-30, -4.5, -1.3, -0.2, 0, 0.05, 0.7, 1.96, 3.1, 12, 250];

    [Test]
    public void One_degree_of_freedom_is_the_Cauchy_distribution()
    {
        foreach (var t in Ts)
            Assert.That(StudentT.Cdf(t, 1), Is.EqualTo(0.5 + Math.Atan(t) / Math.PI).Within(1e-12), $"t = {t}");
    }

    [Test]
    public void Two_and_four_degrees_of_freedom_match_their_elementary_cdfs()
    {
        foreach (var t in Ts)
        {
            Assert.That(StudentT.Cdf(t, 2), Is.EqualTo(0.5 + t / (2 * Math.Sqrt(2 + t * t))).Within(1e-12), $"ν = 2, t = {t}");
            var u = 1 + t * t / 4;
            var four = 0.5 + 0.375 * (t / Math.Sqrt(u)) * (1 - t * t / (12 * u));
            Assert.That(StudentT.Cdf(t, 4), Is.EqualTo(four).Within(1e-12), $"ν = 4, t = {t}");
        }
    }

    // Two-sided 95% and one-sided 95% critical values as printed in t tables (6 decimals).
    [TestCase(0.975, 1, 12.706205)]
    [TestCase(0.975, 2, 4.302653)]
    [TestCase(0.975, 3, 3.182446)]
    [TestCase(0.975, 4, 2.776445)]
    [TestCase(0.975, 5, 2.570582)]
    [TestCase(0.975, 10, 2.228139)]
    [TestCase(0.975, 30, 2.042272)]
    [TestCase(0.975, 120, 1.979930)]
    [TestCase(0.95, 4, 2.131847)]
    [TestCase(0.95, 10, 1.812461)]
    [TestCase(0.995, 5, 4.032143)]
    public void Quantiles_match_the_t_table(double p, double df, double expected)
    {
        Assert.That(StudentT.Quantile(p, df), Is.EqualTo(expected).Within(1e-6));
        Assert.That(StudentT.Quantile(1 - p, df), Is.EqualTo(-expected).Within(1e-6));
        Assert.That(StudentT.Cdf(expected, df), Is.EqualTo(p).Within(1e-7));
        Assert.That(StudentT.TwoSidedP(expected, df), Is.EqualTo(2 * (1 - p)).Within(2e-7));
    }

    [Test]
    public void Many_degrees_of_freedom_approach_the_normal()
    {
        Assert.That(StudentT.Quantile(0.975, 1e7), Is.EqualTo(1.959964).Within(1e-5));
        Assert.That(StudentT.Cdf(1.959964, 1e7), Is.EqualTo(0.975).Within(1e-6));
    }

    [Test]
    public void Small_two_sided_p_values_keep_their_digits()
    {
        // ν = 1: P(|T| ≥ t) = 1 − 2·atan(t)/π = 2·atan(1/t)/π, which 2·(1 − CDF) would round to 0 for large t.
        Assert.That(StudentT.TwoSidedP(1e9, 1), Is.EqualTo(2 * Math.Atan(1e-9) / Math.PI).Within(1e-22));
        Assert.That(StudentT.TwoSidedP(0, 3), Is.EqualTo(1));
        Assert.That(StudentT.TwoSidedP(double.PositiveInfinity, 3), Is.Zero);
    }

    [Test]
    public void Out_of_range_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Cdf(1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Cdf(double.NaN, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Quantile(1, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Quantile(0, 3));
    }
}
