using System.Text.Json.Nodes;
using POSLayerFreeze.Analysis;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Tests.Analysis;

/// <summary>
/// <see cref="Cka"/> against an independent NumPy oracle (eng/analysis-oracle/cka_oracle.py: Gram form, Song et al.'s
/// U-statistic written term by term; committed expected values, no Python needed here) and against the invariances the
/// definition promises.
/// </summary>
public class CkaTests
{
    private static readonly string FixturePath = Path.Combine(AppContext.BaseDirectory, "Fixtures", "analysis", "cka.json");

    public static IEnumerable<TestCaseData> OracleCases()
    {
        var doc = JsonNode.Parse(File.ReadAllText(FixturePath))!;
        foreach (var c in doc["cases"]!.AsArray())
            yield return new TestCaseData(Matrix(c!["x"]!), Matrix(c["y"]!), c["linear"]!.GetValue<double>(), c["debiased"]!.GetValue<double>())
                .SetName($"Cka_equals_numpy({c["name"]!.GetValue<string>()})");
    }

    [TestCaseSource(nameof(OracleCases))]
    public void EqualsTheNumPyOracle(double[,] x, double[,] y, double linear, double debiased)
    {
        Assert.That(Cka.Linear(x, y), Is.EqualTo(linear).Within(1e-6));
        Assert.That(Cka.LinearDebiased(x, y), Is.EqualTo(debiased).Within(1e-6));
        // Symmetric in its arguments.
        Assert.That(Cka.Linear(y, x), Is.EqualTo(linear).Within(1e-6));
    }

    [Test]
    public void TheOracleCasesAreNotAllAlike()
    {
        // Guards the fixture itself: a regenerated file of near-identical cases would make the oracle test weak.
        var values = OracleCases().Select(c => (double)c.Arguments[2]!).ToArray();
        Assert.That(values.Max() - values.Min(), Is.GreaterThan(0.3));
    }

    [Test]
    public void ARepresentationMatchesItselfExactly()
    {
        var x = Gaussian(new SplitMix64(1), 50, 7);
        Assert.That(Cka.Linear(x, x), Is.EqualTo(1.0).Within(1e-12));
        Assert.That(Cka.LinearDebiased(x, x), Is.EqualTo(1.0).Within(1e-12));
    }

    [Test]
    public void OrthogonalRotationAndIsotropicScalingChangeNothing()
    {
        var rng = new SplitMix64(2);
        var x = Gaussian(rng, 60, 6);
        var y = Add(Multiply(x, Gaussian(rng, 6, 4)), Scale(Gaussian(rng, 60, 4), 0.8));
        var q = Orthogonal(rng, 6);
        var moved = Scale(Multiply(x, q), 3.7);
        Assert.That(Cka.Linear(moved, y), Is.EqualTo(Cka.Linear(x, y)).Within(1e-12));
        Assert.That(Cka.LinearDebiased(moved, y), Is.EqualTo(Cka.LinearDebiased(x, y)).Within(1e-12));
        // A translation is removed by the centring.
        Assert.That(Cka.Linear(Add(x, Constant(60, 6, 5.0)), y), Is.EqualTo(Cka.Linear(x, y)).Within(1e-12));
    }

    [Test]
    public void AnisotropicScalingDoesChangeIt()
    {
        // CKA is not invariant to every invertible map: stretching one dimension moves it (so the test above can fail).
        var rng = new SplitMix64(3);
        var x = Gaussian(rng, 60, 6);
        var y = Add(Multiply(x, Gaussian(rng, 6, 4)), Gaussian(rng, 60, 4));
        var stretched = (double[,])x.Clone();
        for (var i = 0; i < 60; i++) stretched[i, 0] *= 10;
        Assert.That(Math.Abs(Cka.Linear(stretched, y) - Cka.Linear(x, y)), Is.GreaterThan(0.01));
    }

    [Test]
    public void IndependentMatricesScoreNearZero()
    {
        var rng = new SplitMix64(4);
        var (n, d) = (2000, 10);
        var x = Gaussian(rng, n, d);
        var y = Gaussian(rng, n, d);
        Assert.That(Cka.Linear(x, y), Is.InRange(0.0, 0.02), "biased: small when n ≫ d");
        Assert.That(Math.Abs(Cka.LinearDebiased(x, y)), Is.LessThan(0.005), "debiased: near 0");
        // Where n is not large against d, the biased form stays well above 0 and the debiased one does not.
        var few = (Gaussian(rng, 40, 30), Gaussian(rng, 40, 30));
        Assert.That(Cka.Linear(few.Item1, few.Item2), Is.GreaterThan(0.3));
        Assert.That(Math.Abs(Cka.LinearDebiased(few.Item1, few.Item2)), Is.LessThan(0.1));
    }

    [Test]
    public void DifferentExamplesOrTooFewAreRefused()
    {
        var rng = new SplitMix64(5);
        Assert.That(() => Cka.Linear(Gaussian(rng, 5, 2), Gaussian(rng, 6, 2)), Throws.ArgumentException.With.Message.Contains("5 rows"));
        Assert.That(() => Cka.LinearDebiased(Gaussian(rng, 3, 2), Gaussian(rng, 3, 2)), Throws.ArgumentException.With.Message.Contains("at least 4"));
    }

    private static double[,] Matrix(JsonNode node)
    {
        var rows = node.AsArray();
        var cols = rows[0]!.AsArray().Count;
        var m = new double[rows.Count, cols];
        for (var i = 0; i < rows.Count; i++)
            for (var j = 0; j < cols; j++) m[i, j] = rows[i]![j]!.GetValue<double>();
        return m;
    }

    /// <summary>Standard normal entries by Box–Muller from the project's PRNG.</summary>
    internal static double[,] Gaussian(SplitMix64 rng, int rows, int cols)
    {
        double Uniform() => ((rng.NextUInt64() >> 11) + 0.5) / (1UL << 53);
        var m = new double[rows, cols];
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < cols; j++) m[i, j] = Math.Sqrt(-2 * Math.Log(Uniform())) * Math.Cos(2 * Math.PI * Uniform());
        return m;
    }

    private static double[,] Multiply(double[,] a, double[,] b)
    {
        var (n, k, m) = (a.GetLength(0), a.GetLength(1), b.GetLength(1));
        var r = new double[n, m];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < m; j++)
                for (var t = 0; t < k; t++) r[i, j] += a[i, t] * b[t, j];
        return r;
    }

    private static double[,] Add(double[,] a, double[,] b)
    {
        var r = (double[,])a.Clone();
        for (var i = 0; i < a.GetLength(0); i++)
            for (var j = 0; j < a.GetLength(1); j++) r[i, j] += b[i, j];
        return r;
    }

    private static double[,] Scale(double[,] a, double s)
    {
        var r = (double[,])a.Clone();
        for (var i = 0; i < a.GetLength(0); i++)
            for (var j = 0; j < a.GetLength(1); j++) r[i, j] *= s;
        return r;
    }

    private static double[,] Constant(int rows, int cols, double value)
    {
        var r = new double[rows, cols];
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < cols; j++) r[i, j] = value;
        return r;
    }

    /// <summary>A random orthogonal matrix: Gram–Schmidt on Gaussian columns.</summary>
    private static double[,] Orthogonal(SplitMix64 rng, int d)
    {
        var q = Gaussian(rng, d, d);
        for (var j = 0; j < d; j++)
        {
            for (var k = 0; k < j; k++)
            {
                var dot = 0.0;
                for (var i = 0; i < d; i++) dot += q[i, j] * q[i, k];
                for (var i = 0; i < d; i++) q[i, j] -= dot * q[i, k];
            }
            var norm = 0.0;
            for (var i = 0; i < d; i++) norm += q[i, j] * q[i, j];
            norm = Math.Sqrt(norm);
            for (var i = 0; i < d; i++) q[i, j] /= norm;
        }
        return q;
    }
}
