using POSLayerFreeze.Data;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Freezing;
using POSLayerFreeze.Reporting;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Tests.Freezing;

/// <summary>
/// The scheduled plans' grammar and their exact boundaries (docs/usage.md, "Schedules"): which units train before
/// which step, the layer-rate scales, and that none of it reaches what existing runs record.
/// </summary>
public sealed class FreezeScheduleTests
{
    private static string[] Frozen(FreezeSchedule schedule, int step, int epoch, int total, int layers) =>
        [.. schedule.FrozenUnits(new ScheduleClock(step, epoch, total), layers)];

    [TestCase("gradual-2s", FreezeKind.Gradual, "gradual-2s")]
    [TestCase(" GRADUAL-02E ", FreezeKind.Gradual, "gradual-2e")]
    [TestCase("freezeout-0.50", FreezeKind.FreezeOut, "freezeout-0.5")]
    [TestCase("freezeout-0.0625", FreezeKind.FreezeOut, "freezeout-0.0625")]
    [TestCase("llrd-0.8", FreezeKind.LayerDecay, "llrd-0.8")]
    public void ScheduledNamesParseToCanonicalPathSafeNames(string text, FreezeKind kind, string canonical)
    {
        var plan = FreezePlanName.Parse(text, 6);
        Assert.That((plan.Kind, plan.Name), Is.EqualTo((kind, canonical)));
        Assert.That(canonical, Does.Match("^[a-z0-9.+-]+$"));
        Assert.That(FreezePlanName.TryRead(canonical)!.Name, Is.EqualTo(canonical), "a recorded name reads back as itself");
        Assert.That(FreezePlan.Parse(text, 6).Name, Is.EqualTo(canonical));
    }

    [TestCase("gradual-0s", "expected gradual-N followed by s (every N steps) or e (every N epochs), N ≥ 1, e.g. gradual-1e.")]
    [TestCase("gradual-3", "expected gradual-N followed by s (every N steps) or e (every N epochs), N ≥ 1, e.g. gradual-1e.")]
    [TestCase("gradual-3x", "expected gradual-N followed by s (every N steps) or e (every N epochs), N ≥ 1, e.g. gradual-1e.")]
    [TestCase("freezeout-1", "'1' is not a number strictly between 0 and 1 written 0.D with up to 4 decimals, e.g. 0.5.")]
    [TestCase("freezeout-0.0", "'0.0' is not a number strictly between 0 and 1 written 0.D with up to 4 decimals, e.g. 0.5.")]
    [TestCase("freezeout-.5", "'.5' is not a number strictly between 0 and 1 written 0.D with up to 4 decimals, e.g. 0.5.")]
    [TestCase("llrd-0.12345", "'0.12345' is not a number strictly between 0 and 1 written 0.D with up to 4 decimals, e.g. 0.5.")]
    [TestCase("llrd-0.5e1", "'0.5e1' is not a number strictly between 0 and 1 written 0.D with up to 4 decimals, e.g. 0.5.")]
    public void MalformedScheduledNamesAreRefusedInOneLine(string text, string problem) =>
        Assert.That(() => FreezePlan.Parse(text, 6), Throws.TypeOf<FormatException>().With.Message.EqualTo($"Freeze plan '{text}': {problem}"));

    [Test]
    public void ScheduledNamesSortAfterTheFixedPlansInReports()
    {
        Assert.That(Aggregation.OrderKey("gradual-1e"), Is.GreaterThan(Aggregation.OrderKey("all")));
        Assert.That(Aggregation.KindOf("freezeout-0.5"), Is.EqualTo(FreezeKind.FreezeOut));
    }

    [Test]
    public void GradualUnfreezingAddsOneUnitFromTheTopEveryNSteps()
    {
        var schedule = FreezePlan.Parse("gradual-3s", 2).Schedule!;
        // Steps 0–2: head only; 3–5: + layer 1; 6–8: + layer 0; from 9: + embeddings.
        string[][] expected = [["emb", "0", "1"], ["emb", "0", "1"], ["emb", "0", "1"], ["emb", "0"], ["emb", "0"], ["emb", "0"], ["emb"], ["emb"], ["emb"], [], []];
        for (var step = 0; step < expected.Length; step++)
            Assert.That(Frozen(schedule, step, 0, 100, 2), Is.EqualTo(expected[step]), $"before step {step}");
        Assert.That(FreezePlan.Parse("gradual-3s", 2).FrozenUnits, Is.EqualTo(new[] { "emb", "0", "1" }), "the plan starts with the head alone");
    }

    [Test]
    public void GradualUnfreezingByEpochsReadsTheEpochNotTheStep()
    {
        var schedule = FreezePlan.Parse("gradual-2e", 3).Schedule!;
        Assert.That(Frozen(schedule, 500, 1, 1000, 3), Is.EqualTo(new[] { "emb", "0", "1", "2" }));
        Assert.That(Frozen(schedule, 0, 2, 1000, 3), Is.EqualTo(new[] { "emb", "0", "1" }));
        Assert.That(Frozen(schedule, 0, 9, 1000, 3), Is.Empty);
    }

    [Test]
    public void FreezeOutFreezesLayerIFromStepCeilTiTimesS()
    {
        // L = 5, T = 0.5: t = 0.5, 0.625, 0.75, 0.875, 1 of S = 20 steps → freeze steps 10, 13 (12.5 rounded up), 15, 18, 20.
        var schedule = (ProgressiveFreezing)FreezePlan.Parse("freezeout-0.5", 5).Schedule!;
        Assert.That(Enumerable.Range(0, 5).Select(i => schedule.FreezeStep(i, 5, 20)), Is.EqualTo(new long[] { 10, 13, 15, 18, 20 }));
        Assert.That(Frozen(schedule, 9, 0, 20, 5), Is.Empty, "step 9 is layer 0's last");
        Assert.That(Frozen(schedule, 10, 0, 20, 5), Is.EqualTo(new[] { "emb", "0" }), "the embeddings freeze with layer 0");
        Assert.That(Frozen(schedule, 12, 0, 20, 5), Is.EqualTo(new[] { "emb", "0" }));
        Assert.That(Frozen(schedule, 13, 0, 20, 5), Is.EqualTo(new[] { "emb", "0", "1" }));
        Assert.That(Frozen(schedule, 19, 0, 20, 5), Is.EqualTo(new[] { "emb", "0", "1", "2", "3" }), "the top layer trains to the end");
        Assert.That(FreezePlan.Parse("freezeout-0.5", 5).FrozenUnits, Is.Empty);
    }

    [Test]
    public void FreezeOutBoundariesAreExactWhereFloatsAreNot()
    {
        // 0.28 · 25 is 7.000000000000001 in doubles, whose ceiling is 8; exactly it is 7.
        Assert.That(Math.Ceiling(0.28 * 25), Is.EqualTo(8), "the float trap this test is about");
        var schedule = (ProgressiveFreezing)FreezePlan.Parse("freezeout-0.28", 1).Schedule!;
        Assert.That(schedule.FreezeStep(0, 1, 25), Is.EqualTo(7));
        Assert.That(Frozen(schedule, 6, 0, 25, 1), Is.Empty);
        Assert.That(Frozen(schedule, 7, 0, 25, 1), Is.EqualTo(new[] { "emb", "0" }));
    }

    [Test]
    public void LayerRatesFollowBeitsLayerIds()
    {
        // L = 3, ξ = 0.5: head 1, layer 2 ½, layer 1 ¼, layer 0 ⅛, embeddings 1/16.
        Assert.That(new[] { "head", "2", "1", "0", "emb" }.Select(u => LayerRates.Scale(u, 3, 0.5)),
            Is.EqualTo(new[] { 1, 0.5, 0.25, 0.125, 0.0625 }));
        Assert.That(() => LayerRates.Scale("3", 3, 0.5), Throws.ArgumentException.With.Message.StartsWith("'3' is not a unit of a 3-layer model"));
        Assert.That(FreezePlan.Parse("llrd-0.8", 6).LayerDecay, Is.EqualTo(0.8));
        Assert.That(FreezePlan.Parse("llrd-0.8", 6).FrozenUnits, Is.Empty);
    }

    [Test]
    public void LayerDecayEntersTheHashedProfileOnlyWhenSet()
    {
        var json = TrainingProfile.Smoke.ToJson().ToJsonString();
        Assert.That(json, Does.Not.Contain("layer_decay"), "old runs keep their inputs hash");
        Assert.That((TrainingProfile.Smoke with { LayerDecay = 0.8 }).ToJson()["layer_decay"]!.GetValue<double>(), Is.EqualTo(0.8));
        var read = ProfileFile.Parse("""{"name":"mine","version":1,"epochs":1,"batch_size":2,"learning_rate":0.001,"layer_decay":0.75}""", "mine.json");
        Assert.That(read.LayerDecay, Is.EqualTo(0.75));
        Assert.That(() => ProfileFile.Parse("""{"name":"mine","version":1,"epochs":1,"batch_size":2,"learning_rate":0.001,"layer_decay":1.5}""", "mine.json"),
            Throws.TypeOf<InvalidDataException>().With.Message.Contains("layer_decay"));
    }

    [Test]
    public void CachedPrefixRefusesASchedule()
    {
        var dataset = new DatasetIdentity("en_ewt", new SplitFile("train", "t", "0"), new SplitFile("dev", "d", "0"), new SplitFile("test", "e", "0"));
        RunSpec Spec(string config, bool cached) =>
            new(config, 42, TrainingProfile.Smoke, "minilm", "id", "cpu", false, cached) { Dataset = dataset };
        Assert.That(() => Spec("gradual-1e", true), Throws.ArgumentException.With.Message.EqualTo(
            "cached_prefix: the plan 'gradual-1e' changes its frozen units during training, so there is no fixed prefix to cache"));
        Assert.That(Spec("gradual-1e", false).CachedPrefix, Is.False);
        Assert.That(Spec("llrd-0.8", true).CachedPrefix, Is.True, "a fixed plan with layer rates caches its (empty) prefix as any plan");
        Assert.That(Spec("clpf-0+1", true).ToJson()["cached_prefix"]!.GetValue<bool>(), Is.True);
    }
}
