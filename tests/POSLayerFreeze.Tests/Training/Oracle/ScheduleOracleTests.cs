using System.Globalization;
using System.Text.Json.Nodes;
using POSLayerFreeze.Freezing;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Tests.Training.Oracle;

/// <summary>
/// Freeze schedules and layer-wise rates against the PyTorch oracle (eng/oracle/schedules.py): the inputs of
/// <see cref="OracleCases"/> (same windows, batches, initial weights and profiles), in cases of their own so that the
/// fixed-plan cases stay as they are. Per step: loss, every trained unit's learning rate, gradient norm, which units
/// trained; at the end every weight; after every step, each frozen parameter bit-identical to its value when it froze.
/// </summary>
[TestFixture]
public sealed class ScheduleOracleTests
{
    private const double Tolerance = 1e-5;

    /// <summary>22 steps of 11 per epoch on 2-layer models: gradual-4s unfreezes layer 1, layer 0, the embeddings before
    /// steps 4, 8, 12 (mid-epoch); gradual-1e unfreezes layer 1 at the second epoch; freezeout-0.3 freezes layer 0 and the
    /// embeddings from step ⌈0.3·22⌉ = 7 (layer 1, t = 1, trains to the end); llrd-0.5 trains all at rates 1, ½, ¼, ⅛.</summary>
    public static readonly IReadOnlyList<string> Plans = ["gradual-4s", "gradual-1e", "freezeout-0.3", "llrd-0.5"];

    internal static readonly IReadOnlyList<OracleCase> Cases =
    [
        new("tiny-bert-schedules", "tiny-bert", Plans, WarmupRatio: 0.1, MaxGradNorm: null),
        new("tiny-distilbert-schedules", "tiny-distilbert", Plans, WarmupRatio: 0, MaxGradNorm: null),
    ];

    public static IEnumerable<string> CaseNames => Cases.Select(c => c.Name);

    private static IEnumerable<TestCaseData> TrainingCases() =>
        from c in Cases
        from plan in c.Plans
        from bucketed in new[] { true, false }
        select new TestCaseData(c.Name, plan, bucketed).SetArgDisplayNames(c.Name, plan, bucketed ? "bucketed" : "padded");

    private static OracleCase Case(string name) => Cases.Single(c => c.Name == name);

    private static string CaseDir(string caseName) => Path.Combine(OracleCases.FixtureDir, caseName);

    private static JsonObject ReadJson(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();

    [TestCaseSource(nameof(CaseNames))]
    public void CommittedInputsAreWhatOurCodeProducesNow(string caseName)
    {
        var c = Case(caseName);
        using var classifier = OracleCases.CreateModel(c.Model);
        var windows = OracleCases.Windows(classifier.Config.VocabSize);
        Assert.That(JsonNode.DeepEquals(ReadJson(Path.Combine(CaseDir(caseName), "case.json")), OracleCases.CaseJson(c, classifier)),
            "case.json differs from what our code says now: run eng/oracle/regenerate.sh");
        Assert.That(JsonNode.DeepEquals(ReadJson(Path.Combine(CaseDir(caseName), "batches.json")),
            OracleCases.BatchesJson(windows, OracleCases.Profile(c), classifier.Config.PadTokenId)),
            "batches.json differs from the batches our sampler cuts now: run eng/oracle/regenerate.sh");
        var init = Safetensors.Read(Path.Combine(CaseDir(caseName), "init.safetensors"));
        foreach (var entry in OracleCases.Weights(classifier))
            Assert.That(init[entry.Name].Data, Is.EqualTo(entry.Data), $"{entry.Name}: initial weights changed");
    }

    [TestCaseSource(nameof(TrainingCases))]
    public void TrainingMatchesThePyTorchOracle(string caseName, string planName, bool bucketed)
    {
        var c = Case(caseName);
        var caseDir = CaseDir(caseName);
        var oracle = ReadJson(Path.Combine(caseDir, planName, "oracle.json"));
        var oracleSteps = oracle["steps"]!.AsArray();
        var oracleUnits = oracle["trainable_units"]!.AsArray();
        var finalWeights = Safetensors.Read(Path.Combine(caseDir, planName, "final.safetensors"));

        using var classifier = OracleCases.CreateModel(c.Model);
        var numLayers = classifier.Config.NumLayers;
        var windows = OracleCases.Windows(classifier.Config.VocabSize);
        var plan = FreezePlan.Parse(planName, numLayers);
        var profile = OracleCases.Profile(c) with { LayerDecay = plan.LayerDecay ?? 1.0 };
        var trainable = plan.Apply(classifier);
        var parameters = classifier.named_parameters().ToArray();
        var units = classifier.FreezableUnits();

        // The frozen-stays-bit-identical check, after every step: a parameter that did not train in the step just
        // taken (requires_grad is still the step's) holds exactly what it held after the last step in which it trained.
        var last = parameters.ToDictionary(p => p.name, p => p.parameter.detach().cpu().data<float>().ToArray());
        var moved = new List<string>();
        var trainedUnits = new List<string[]>();
        void AfterStep(int step, int total, double loss)
        {
            trainedUnits.Add(units.Where(u => u.Parameters[0].requires_grad).Select(u => u.Name).Order(StringComparer.Ordinal).ToArray());
            foreach (var (name, parameter) in parameters)
            {
                var now = parameter.detach().cpu().data<float>().ToArray();
                if (!parameter.requires_grad && !now.SequenceEqual(last[name])) moved.Add($"{name} in step {step}");
                last[name] = now;
            }
        }

        var stats = Trainer.Train(new TrainRequest(classifier, trainable, windows, profile, OracleCases.Seed, classifier.Config.PadTokenId)
        {
            Schedule = plan.Schedule, LoggingSteps = 1, BucketOverheadTokens = bucketed ? MicroBatches.DefaultOverheadTokens : null,
            Progress = AfterStep,
        });

        Assert.That(stats.Log, Has.Count.EqualTo(oracleSteps.Count), "one log entry per step");
        double loss = 0, lr = 0, norm = 0;
        for (var i = 0; i < oracleSteps.Count; i++)
        {
            var expected = oracleSteps[i]!.AsObject();
            loss = Math.Max(loss, Math.Abs(stats.Log[i].Loss - expected["loss"]!.GetValue<double>()));
            norm = Math.Max(norm, Math.Abs(stats.Log[i].GradNorm - expected["grad_norm"]!.GetValue<double>()));
            var unitsNow = oracleUnits[i]!.AsArray().Select(u => u!.GetValue<string>()).Order(StringComparer.Ordinal).ToArray();
            Assert.That(trainedUnits[i], Is.EqualTo(unitsNow), $"units trained in step {i + 1}");
            var rates = expected["learning_rates"]!.AsObject();
            foreach (var unit in unitsNow.Append(LayerRates.Head))
            {
                var ours = stats.Log[i].LearningRate * LayerRates.Scale(unit, numLayers, profile.LayerDecay);
                lr = Math.Max(lr, Math.Abs(ours - rates[unit]!.GetValue<double>()));
            }
        }
        var worst = (Name: "", Diff: 0.0);
        foreach (var (name, parameter) in parameters)
        {
            var diff = parameter.detach().cpu().data<float>().ToArray().Zip(finalWeights[name].Data, (a, b) => Math.Abs((double)a - b)).Max();
            if (diff >= worst.Diff) worst = (name, diff);
        }
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{caseName} {planName} {(bucketed ? "bucketed" : "padded")}: max |Δ| loss {loss:E2}, lr {lr:E2}, grad norm {norm:E2}, weights {worst.Diff:E2} ({worst.Name})"));
        Assert.Multiple(() =>
        {
            Assert.That(moved, Is.Empty, "a frozen parameter changed in a step");
            Assert.That(loss, Is.LessThanOrEqualTo(Tolerance), "per-step loss");
            Assert.That(lr, Is.LessThanOrEqualTo(1e-12), "per-step learning rate of every trained unit");
            Assert.That(norm, Is.LessThanOrEqualTo(Tolerance), "per-step gradient norm");
            Assert.That(worst.Diff, Is.LessThanOrEqualTo(Tolerance), $"final weights (worst: {worst.Name})");
        });
    }

    /// <summary>The schedule cases test schedules only if the schedule changed the run: each plan's final weights are far
    /// from the fixed plan it starts or ends as (baseline or all), beyond the tolerance.</summary>
    [TestCase("tiny-bert-schedules", "tiny-bert")]
    [TestCase("tiny-distilbert-schedules", "tiny-distilbert")]
    public void EverySchedulePlanChangesTheRun(string caseName, string fixedCase)
    {
        var baseline = Safetensors.Read(Path.Combine(CaseDir(fixedCase), "baseline", "final.safetensors"));
        var all = Safetensors.Read(Path.Combine(CaseDir(fixedCase), "all", "final.safetensors"));
        foreach (var plan in Plans)
        {
            var weights = Safetensors.Read(Path.Combine(CaseDir(caseName), plan, "final.safetensors"));
            double Diff(IReadOnlyDictionary<string, SafetensorsEntry> other) =>
                weights.Max(kv => kv.Value.Data.Zip(other[kv.Key].Data, (a, b) => Math.Abs((double)a - b)).Max());
            Assert.That(Diff(baseline), Is.GreaterThan(10 * Tolerance), $"{plan} vs baseline");
            Assert.That(Diff(all), Is.GreaterThan(10 * Tolerance), $"{plan} vs all");
        }
    }

    /// <summary>
    /// The comparison can fail on what the semantics are about: the naive schedule (requires_grad flipped between
    /// steps, every parameter in one optimizer from the start, as if frozen units were just not differentiated) decays
    /// frozen weights and keeps stale moments, and misses the oracle by far more than the tolerance.
    /// </summary>
    [Test]
    public void ANaiveScheduleThatKeepsFrozenUnitsInTheOptimizerIsCaught()
    {
        var c = Case("tiny-bert-schedules");
        const string planName = "freezeout-0.3";
        var finalWeights = Safetensors.Read(Path.Combine(CaseDir(c.Name), planName, "final.safetensors"));
        using var classifier = OracleCases.CreateModel(c.Model);
        var numLayers = classifier.Config.NumLayers;
        var windows = OracleCases.Windows(classifier.Config.VocabSize);
        var schedule = FreezePlan.Parse(planName, numLayers).Schedule!;
        var everything = FreezePlan.Parse("baseline", numLayers).Apply(classifier);
        var totalSteps = OracleCases.Steps(windows, OracleCases.Profile(c)).Count;
        void Flip(int step, int total, double loss)
        {
            var frozen = schedule.FrozenUnits(new ScheduleClock(step, 0, totalSteps), numLayers);
            foreach (var unit in classifier.FreezableUnits())
                foreach (var p in unit.Parameters) p.requires_grad = !frozen.Contains(unit.Name);
        }
        Trainer.Train(new TrainRequest(classifier, everything, windows, OracleCases.Profile(c), OracleCases.Seed, classifier.Config.PadTokenId)
        {
            LoggingSteps = 1, BucketOverheadTokens = null, Progress = Flip,
        });
        var diff = classifier.named_parameters().Max(p =>
            p.parameter.detach().cpu().data<float>().ToArray().Zip(finalWeights[p.name].Data, (a, b) => Math.Abs((double)a - b)).Max());
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"naive {planName}: weights {diff:E2}"));
        Assert.That(diff, Is.GreaterThan(10 * Tolerance));
    }

    /// <summary>Not a check: writes these cases' oracle inputs (eng/oracle/regenerate.sh runs it with the variable set).</summary>
    [Test, Explicit("writes fixtures; run by eng/oracle/regenerate.sh")]
    public void ExportOracleInputs()
    {
        var root = Environment.GetEnvironmentVariable(TrainingOracleTests.ExportVariable);
        if (string.IsNullOrEmpty(root)) Assert.Fail($"set {TrainingOracleTests.ExportVariable} to the folder to write the oracle's inputs into");
        foreach (var c in Cases)
        {
            var dir = Path.Combine(root!, c.Name);
            Directory.CreateDirectory(dir);
            using var classifier = OracleCases.CreateModel(c.Model);
            var windows = OracleCases.Windows(classifier.Config.VocabSize);
            AtomicFile.WriteAllText(Path.Combine(dir, "case.json"), Invariant.ToJson(OracleCases.CaseJson(c, classifier)) + "\n");
            AtomicFile.WriteAllText(Path.Combine(dir, "batches.json"),
                Invariant.ToJson(OracleCases.BatchesJson(windows, OracleCases.Profile(c), classifier.Config.PadTokenId)) + "\n");
            Safetensors.Write(Path.Combine(dir, "init.safetensors"), OracleCases.Weights(classifier));
        }
    }
}
