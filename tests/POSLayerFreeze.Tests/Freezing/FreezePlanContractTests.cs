using POSLayerFreeze.Data;
using POSLayerFreeze.Freezing;
using POSLayerFreeze.Models;
using POSLayerFreeze.Tests.Experiments;

namespace POSLayerFreeze.Tests.Freezing;

/// <summary>
/// A freeze plan's name is typed by people (CLI, profiles): every refusal must say exactly what is wrong, and the
/// parameters Apply hands the optimizer must come in model order and undo an earlier plan. Written against Stryker's
/// Freezing survivors (eng/stryker/reports).
/// </summary>
public sealed class FreezePlanContractTests : TinyTorchFixture
{
    private static string Error(string text, int numLayers = 6) =>
        Assert.Throws<FormatException>(() => FreezePlan.Parse(text, numLayers))!.Message;

    [Test]
    public void EachRefusalIsOneExactLine()
    {
        Assert.That(Error("slpf-6"), Is.EqualTo("Freeze plan 'slpf-6': '6' is not a layer of this model (0..5) or emb."));
        Assert.That(Error("CLPF-0+x"), Is.EqualTo("Freeze plan 'CLPF-0+x': 'x' is not a layer of this model (0..5) or emb."));
        Assert.That(Error("clpf-1+emb+1"), Is.EqualTo("Freeze plan 'clpf-1+emb+1': layer 1 listed twice."));
        Assert.That(Error("clpf-emb+emb"), Is.EqualTo("Freeze plan 'clpf-emb+emb': 'emb' listed twice."));
        Assert.That(Error("freeze-all", 4), Is.EqualTo(
            "Unknown freeze plan 'freeze-all': expected baseline, slpf-K, clpf-A+B+… (layers 0..3 or emb), all, gradual-N{s|e}, freezeout-T, llrd-ξ, random-init or drop-top-K."));
        Assert.That(Assert.Throws<ArgumentNullException>(() => FreezePlan.Parse(null!, 6))!.ParamName, Is.EqualTo("name"));
        Assert.Throws<ArgumentOutOfRangeException>(() => FreezePlan.Parse("baseline", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => FreezePlan.Parse("baseline", -1));
    }

    [TestCase("slpf-+1")]
    [TestCase("slpf- 1")]
    [TestCase("slpf-1.0")]
    [TestCase("slpf-0x1")]
    public void OnlyPlainDigitsNameALayer(string text) =>
        Assert.That(Error(text), Does.StartWith($"Freeze plan '{text}': "));

    [Test]
    public void NamesAreCaseAndSpaceInsensitiveAndPrintCanonically()
    {
        Assert.That(FreezePlan.Parse(" SLPF-3 ", 6).ToString(), Is.EqualTo("slpf-3"));
        Assert.That(FreezePlan.Parse("ALL", 2).FrozenUnits, Is.EqualTo(new[] { "emb", "0", "1" }));
        Assert.That(FreezePlan.Parse("Clpf-3+EMB+0", 6).Name, Is.EqualTo("clpf-emb+0+3"));
        // the last layer is a layer; a one-layer model has exactly layer 0
        Assert.That(FreezePlan.Parse("slpf-5", 6).FrozenUnits, Is.EqualTo(new[] { "5" }));
        Assert.That(FreezePlan.Parse("all", 1).FrozenUnits, Is.EqualTo(new[] { "emb", "0" }));
    }

    [Test]
    public void SuitesAreNamedAndRefuseUnknownOnesByName()
    {
        Assert.That(Suites.Names, Is.EqualTo(new[] { "baseline", "slpf", "clpf", "study", "methods" }));
        Assert.That(Suites.Expand(" Study ", 2).Select(p => p.Name), Is.EqualTo(new[] { "baseline", "slpf-0", "slpf-1", "clpf-0+1", "all" }));
        Assert.That(Suites.Expand("CLPF", 3).Select(p => p.Name), Is.EqualTo(new[] { "clpf-0+1", "clpf-0+1+2", "all" }));
        Assert.That(Assert.Throws<FormatException>(() => Suites.Expand("everything", 6))!.Message,
            Is.EqualTo("Unknown suite 'everything': expected one of baseline, slpf, clpf, study, methods."));
    }

    [Test]
    public void TheMethodsSuiteHoldsTheBaselineTwoSchedulesLayerDecayAndBothControls()
    {
        Assert.That(Suites.Expand("methods", 6).Select(p => p.Name),
            Is.EqualTo(new[] { "baseline", "gradual-4s", "freezeout-0.5", "llrd-0.8", "random-init", "drop-top-2" }));
        var plans = Suites.Expand("methods", 6);
        Assert.That(plans[1].Schedule, Is.Not.Null, "gradual-4s changes during the run");
        Assert.That(plans[2].Schedule, Is.Not.Null, "freezeout-0.5 changes during the run");
        Assert.That(plans[3].LayerDecay, Is.EqualTo(0.8));
        Assert.That(plans[4].Control, Is.Not.Null);
        Assert.That(plans[5].Control, Is.Not.Null);
        // A two-layer model keeps one layer; a one-layer model has no top layer to drop.
        Assert.That(Suites.Expand("methods", 2).Select(p => p.Name).Last(), Is.EqualTo("drop-top-1"));
        Assert.That(Suites.Expand("methods", 1).Select(p => p.Name).Last(), Is.EqualTo("random-init"));
    }

    [Test]
    public void ApplyHandsTheOptimizerTrainableParametersInModelOrderAndUndoesAnEarlierPlan()
    {
        using var model = ModelCatalog.CreateClassifier(TinyWorld.Model, Upos.Count);
        var all = model.parameters().Select(p => p.Handle).ToArray();
        var frozenLayer = model.FreezableUnits().Single(u => u.Name == "1").Parameters.Select(p => p.Handle).ToHashSet();

        var slpf = FreezePlan.Parse("slpf-1", model.Config.NumLayers).Apply(model);
        Assert.That(slpf.Select(p => p.Handle), Is.EqualTo(all.Where(h => !frozenLayer.Contains(h))), "model order, layer 1 left out");
        Assert.That(model.parameters().Count(p => !p.requires_grad), Is.EqualTo(frozenLayer.Count));

        var baseline = FreezePlan.Parse("baseline", model.Config.NumLayers).Apply(model);
        Assert.That(baseline.Select(p => p.Handle), Is.EqualTo(all));
        Assert.That(model.parameters().All(p => p.requires_grad), Is.True, "baseline after slpf-1 trains layer 1 again");

        FreezePlan.Parse("all", model.Config.NumLayers).Apply(model);
        Assert.That(model.ClassifierParameters().All(p => p.requires_grad), Is.True, "the classifier trains under every plan");
    }

    [Test]
    public void ApplyNamesEveryUnitTheModelLacks()
    {
        using var model = ModelCatalog.CreateClassifier(TinyWorld.Model, Upos.Count);
        var plan = FreezePlan.Parse("clpf-emb+1+4+5", numLayers: 6);
        Assert.That(model.Config.NumLayers, Is.EqualTo(2), "the tiny model");
        Assert.That(Assert.Throws<ArgumentException>(() => plan.Apply(model))!.Message,
            Is.EqualTo("Freeze plan 'clpf-emb+1+4+5' names units the model does not have: 4, 5."));
        Assert.That(model.parameters().All(p => p.requires_grad), Is.True, "a refused plan freezes nothing");
    }
}
