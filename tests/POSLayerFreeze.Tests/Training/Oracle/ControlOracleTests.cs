using System.Text.Json.Nodes;
using POSLayerFreeze.Freezing;
using POSLayerFreeze.Models;

namespace POSLayerFreeze.Tests.Training.Oracle;

/// <summary>
/// The control plans in the training oracle (eng/oracle/controls.py): the cases <c>tiny-bert-controls</c> and
/// <c>tiny-distilbert-controls</c> train <see cref="Plans"/> through <see cref="TrainingOracleTests"/> like every plan.
/// For random-init the oracle trains from the weights our code drew (exported as <see cref="RandomInitFile"/> in the
/// plan's folder) and checks them against Hugging Face's rule itself.
/// </summary>
internal static class ControlOracle
{
    public static readonly IReadOnlyList<string> Plans = ["drop-top-1", "random-init"];

    /// <summary>Our re-initialised weights (head included), beside the oracle's outputs for random-init.</summary>
    public const string RandomInitFile = "init.safetensors";

    /// <summary>The model a run of <paramref name="planName"/> trains: created as a run does, then prepared by the plan.</summary>
    public static (FreezePlan Plan, TokenClassifier Model) CreateModel(string model, string planName)
    {
        var created = OracleCases.CreateModel(model);
        var plan = FreezePlan.Parse(planName, created.Config.NumLayers);
        return (plan, plan.Prepare(created, OracleCases.Seed));
    }

    /// <summary>Writes <see cref="RandomInitFile"/> for a case that trains random-init (nothing for the others).</summary>
    public static void Export(OracleCase c, string caseDir)
    {
        foreach (var planName in c.Plans.Where(p => FreezePlanName.TryRead(p)?.Kind == FreezeKind.RandomInit))
        {
            var (_, model) = CreateModel(c.Model, planName);
            using (model)
            {
                Directory.CreateDirectory(Path.Combine(caseDir, planName));
                Safetensors.Write(Path.Combine(caseDir, planName, RandomInitFile), OracleCases.Weights(model));
            }
        }
    }
}

[TestFixture]
public sealed class ControlOracleTests
{
    private static readonly string[] ControlCases = ["tiny-bert-controls", "tiny-distilbert-controls"];

    private static string PlanDir(string caseName, string plan) => Path.Combine(OracleCases.FixtureDir, caseName, plan);

    private static JsonObject Oracle(string caseName, string plan) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(PlanDir(caseName, plan), "oracle.json")))!.AsObject();

    [TestCaseSource(nameof(ControlCases))]
    public void CommittedRandomInitIsWhatOurCodeDrawsNow(string caseName)
    {
        var c = OracleCases.Case(caseName);
        Assert.That(c.Plans, Is.EquivalentTo(ControlOracle.Plans));
        var committed = Safetensors.Read(Path.Combine(PlanDir(caseName, "random-init"), ControlOracle.RandomInitFile));
        var (_, model) = ControlOracle.CreateModel(c.Model, "random-init");
        using (model)
        {
            var ours = OracleCases.Weights(model).ToList();
            Assert.That(committed.Keys, Is.EquivalentTo(ours.Select(e => e.Name)));
            foreach (var entry in ours)
                Assert.That(committed[entry.Name].Data, Is.EqualTo(entry.Data), $"{entry.Name}: the random-init draws changed: run eng/oracle/regenerate.sh");
        }
    }

    /// <summary>
    /// The oracle's own check of our random-init weights (controls.py): it refuses to train unless zeros, ones, the padding
    /// row and the head are exact and each kind's draws look like N(0, initializer_range); and it redraws the weights
    /// with Hugging Face's rule in <c>Module.apply</c> order from a generator seeded with the case's seed.
    /// </summary>
    [TestCaseSource(nameof(ControlCases))]
    public void TheOracleRedrawsOurRandomInitFromHuggingFacesRule(string caseName)
    {
        var check = Oracle(caseName, "random-init")["init_check"]!.AsObject();
        TestContext.Out.WriteLine($"{caseName}: {check.ToJsonString()}");
        Assert.That(check["initializer_range"]!.GetValue<double>(), Is.EqualTo(0.02));
        foreach (var kind in new[] { "linear.weight", "embedding.weight" })
            Assert.That(check["statistics"]![kind]!["std"]!.GetValue<double>(), Is.EqualTo(0.02).Within(0.002), kind);
        Assert.That(check["redraw_max_abs_diff"]!.GetValue<double>(), Is.LessThanOrEqualTo(RedrawTolerance),
            $"worst: {check["redraw_worst"]}");
    }

    /// <summary>The same libtorch kernel (normal_ on a CPU tensor from a seeded mt19937 generator) in PyTorch 1.13 and libtorch 2.10.</summary>
    private const double RedrawTolerance = 0;

    [TestCaseSource(nameof(ControlCases))]
    public void DropTopTrainsTheKeptLayersOnly(string caseName)
    {
        var oracle = Oracle(caseName, "drop-top-1");
        Assert.That((oracle["pretrained_layers"]!.GetValue<int>(), oracle["kept_layers"]!.GetValue<int>()), Is.EqualTo((2, 1)));
        var trainable = oracle["trainable"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray();
        Assert.That(trainable.Where(n => n.Contains(".layer.1.", StringComparison.Ordinal)), Is.Empty);
        Assert.That(trainable.Where(n => n.Contains(".layer.0.", StringComparison.Ordinal)), Is.Not.Empty);
    }

    /// <summary>The controls are not the baseline in disguise: each ends far from the baseline's weights.</summary>
    [TestCaseSource(nameof(ControlCases))]
    public void EachControlTrainsAnotherModelThanTheBaseline(string caseName)
    {
        var baseline = Safetensors.Read(Path.Combine(OracleCases.FixtureDir, OracleCases.Case(caseName).Model, "baseline", "final.safetensors"));
        foreach (var plan in ControlOracle.Plans)
        {
            var final = Safetensors.Read(Path.Combine(PlanDir(caseName, plan), "final.safetensors"));
            var diff = final.Where(kv => baseline.ContainsKey(kv.Key))
                .Max(kv => kv.Value.Data.Zip(baseline[kv.Key].Data, (a, b) => Math.Abs((double)a - b)).Max());
            Assert.That(diff, Is.GreaterThan(1e-3), plan);
        }
    }
}
