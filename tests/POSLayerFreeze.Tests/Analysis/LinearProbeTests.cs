using System.Text.Json.Nodes;
using POSLayerFreeze.Analysis;

namespace POSLayerFreeze.Tests.Analysis;

/// <summary>
/// <see cref="LinearProbe"/> against scikit-learn's <c>LogisticRegression(C, multinomial, lbfgs)</c> on committed
/// Gaussian-mixture fixtures (eng/analysis-oracle/probe_oracle.py; no Python needed here).
/// </summary>
public class LinearProbeTests
{
    private static readonly string FixturePath = Path.Combine(AppContext.BaseDirectory, "Fixtures", "analysis", "probe.json");

    public sealed record OracleCase(string Name, int Classes, double C, bool Standardize, double[,] TrainX, int[] TrainY, double[,] TestX, int[] TestY,
        double[][] Coef, double[] Intercept, double TrainAccuracy, double TestAccuracy)
    {
        public override string ToString() => Name;
    }

    public static IEnumerable<TestCaseData> OracleCases() =>
        JsonNode.Parse(File.ReadAllText(FixturePath))!["cases"]!.AsArray().Select(c => new OracleCase(
            c!["name"]!.GetValue<string>(), c["classes"]!.GetValue<int>(), c["c"]!.GetValue<double>(), c["standardize"]!.GetValue<bool>(),
            Matrix(c["train_x"]!), Ints(c["train_y"]!), Matrix(c["test_x"]!), Ints(c["test_y"]!),
            c["coef"]!.AsArray().Select(r => r!.AsArray().Select(v => v!.GetValue<double>()).ToArray()).ToArray(),
            c["intercept"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray(),
            c["train_accuracy"]!.GetValue<double>(), c["test_accuracy"]!.GetValue<double>()))
        .Select(c => new TestCaseData(c).SetName($"Probe_matches_sklearn({c.Name})"));

    private static ProbeProfile ProfileFor(OracleCase c) => ProbeProfile.Default with { C = c.C, Standardize = c.Standardize };

    [TestCaseSource(nameof(OracleCases))]
    public void AccuracyEqualsScikitLearnWithTheDefaultTolerance(OracleCase c)
    {
        var probe = LinearProbe.Train(c.TrainX, c.TrainY, c.Classes, ProfileFor(c));
        Assert.That(probe.Fit.Converged, Is.True, $"{probe.Fit}");
        Assert.That(Accuracy(probe.Predict(c.TestX), c.TestY), Is.EqualTo(c.TestAccuracy).Within(0.002));
        Assert.That(Accuracy(probe.Predict(c.TrainX), c.TrainY), Is.EqualTo(c.TrainAccuracy).Within(0.002));
    }

    [TestCaseSource(nameof(OracleCases))]
    public void WeightsEqualScikitLearnsOptimum(OracleCase c)
    {
        // Both sides near the unique optimum of the same objective (C·ΣCE + ½‖W‖², the intercept free), so a penalised
        // intercept, a different C scaling or a sample-std scaler shows here. scikit-learn stops on a relative change of
        // its objective (the fixture's max_gradient, ≤ 3e-5, says how close it got), hence 1e-3 and not tighter.
        var probe = LinearProbe.Train(c.TrainX, c.TrainY, c.Classes, ProfileFor(c) with { GradientTolerance = 1e-8, MaxIterations = 5000 });
        Assert.That(probe.Fit.Converged, Is.True, $"{probe.Fit}");
        var dim = c.TrainX.GetLength(1);
        for (var k = 0; k < c.Classes; k++)
            for (var j = 0; j < dim; j++)
                Assert.That(probe.Weight(k, j), Is.EqualTo(c.Coef[k][j]).Within(1e-3), $"coef[{k},{j}]");
        // The softmax ignores a common shift of the intercepts: compare them centred.
        var ours = Enumerable.Range(0, c.Classes).Select(probe.Bias).ToArray();
        for (var k = 0; k < c.Classes; k++)
            Assert.That(ours[k] - ours.Average(), Is.EqualTo(c.Intercept[k] - c.Intercept.Average()).Within(1e-3), $"intercept[{k}]");
    }

    [Test]
    public void TheFitIsDeterministic()
    {
        var c = (OracleCase)OracleCases().First().Arguments[0]!;
        var a = LinearProbe.Train(c.TrainX, c.TrainY, c.Classes, ProfileFor(c));
        var b = LinearProbe.Train(c.TrainX, c.TrainY, c.Classes, ProfileFor(c));
        Assert.That(b.Fit, Is.EqualTo(a.Fit));
        for (var k = 0; k < c.Classes; k++)
        {
            Assert.That(b.Bias(k), Is.EqualTo(a.Bias(k)));
            for (var j = 0; j < c.TrainX.GetLength(1); j++) Assert.That(b.Weight(k, j), Is.EqualTo(a.Weight(k, j)));
        }
    }

    [Test]
    public void StandardisationIsHonoured()
    {
        // On features of very different scales the L2 penalty bites differently with and without the scaler.
        var c = (OracleCase)OracleCases().First().Arguments[0]!;
        var on = LinearProbe.Train(c.TrainX, c.TrainY, c.Classes, ProfileFor(c) with { C = 0.01 });
        var off = LinearProbe.Train(c.TrainX, c.TrainY, c.Classes, ProfileFor(c) with { C = 0.01, Standardize = false });
        Assert.That(on.Predict(c.TestX), Is.Not.EqualTo(off.Predict(c.TestX)));
    }

    [Test]
    public void BadInputsAndProfilesAreRefused()
    {
        var x = new double[3, 2];
        Assert.That(() => LinearProbe.Train(x, [0, 1], 2, ProbeProfile.Default), Throws.ArgumentException.With.Message.Contains("3 feature rows but 2 labels"));
        Assert.That(() => LinearProbe.Train(x, [0, 1, 2], 2, ProbeProfile.Default), Throws.ArgumentException.With.Message.Contains("label 2 (row 2)"));
        Assert.That(() => LinearProbe.Train(x, [0, 1, 1], 2, ProbeProfile.Default with { C = 0 }), Throws.ArgumentException.With.Message.Contains("c must be"));
        Assert.That(() => ProbeProfile.Named("nope"), Throws.ArgumentException.With.Message.Contains("expected default or full"));
        Assert.That(ProbeProfile.Named(" Full ").TrainSentences, Is.Null);
    }

    private static double Accuracy(int[] predicted, int[] gold) => (double)predicted.Zip(gold).Count(p => p.First == p.Second) / gold.Length;

    private static int[] Ints(JsonNode node) => node.AsArray().Select(v => v!.GetValue<int>()).ToArray();

    private static double[,] Matrix(JsonNode node)
    {
        var rows = node.AsArray();
        var cols = rows[0]!.AsArray().Count;
        var m = new double[rows.Count, cols];
        for (var i = 0; i < rows.Count; i++)
            for (var j = 0; j < cols; j++) m[i, j] = rows[i]![j]!.GetValue<double>();
        return m;
    }
}
