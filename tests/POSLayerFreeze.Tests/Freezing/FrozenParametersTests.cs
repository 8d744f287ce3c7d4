using POSLayerFreeze.Data;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Freezing;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tests.Experiments;
using POSLayerFreeze.Training;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Freezing;

/// <summary>Trains the tiny model a few steps: frozen weights do not move by a single bit, every trainable one does.</summary>
public class FrozenParametersTests : TinyTorchFixture
{
    private static readonly Lazy<ExperimentData> Data = new(() =>
        ExperimentData.Load(TinyWorld.Model, TinyWorld.Profile, Treebank.FromFolder(TinyWorld.DataDir, "test")));

    [TestCase("baseline", new string[0])]
    [TestCase("clpf-0", new[] { "0" })]
    [TestCase("slpf-1", new[] { "1" })]
    [TestCase("clpf-emb+1", new[] { "emb", "1" })]
    [TestCase("all", new[] { "emb", "0", "1" })]
    public void Frozen_parameters_stay_bit_identical_and_trainable_ones_change(string config, string[] frozenUnits)
    {
        var data = Data.Value;
        TorchRuntime.Seed(7);
        using var model = ModelCatalog.CreateClassifier(data.Model, Upos.Count);
        var plan = FreezePlan.Parse(config, model.Config.NumLayers);
        Assert.That(plan.FrozenUnits, Is.EqualTo(frozenUnits));
        var trainable = plan.Apply(model);

        var frozenHandles = model.FreezableUnits().Where(u => frozenUnits.Contains(u.Name))
            .SelectMany(u => u.Parameters).Select(p => p.Handle).ToHashSet();
        var trainableHandles = trainable.Select(p => p.Handle).ToHashSet();
        var classifierHandles = model.ClassifierParameters().Select(p => p.Handle).ToArray();
        Assert.That(trainableHandles.Overlaps(frozenHandles), Is.False, "a frozen parameter was handed to the optimizer");
        Assert.That(trainableHandles.IsSupersetOf(classifierHandles), Is.True, "the classifier always trains");
        var all = model.named_parameters().ToArray();
        Assert.That(all.Select(p => p.parameter.Handle).ToHashSet().SetEquals(trainableHandles.Union(frozenHandles)), Is.True,
            "every parameter is either trainable or in a frozen unit");
        var frozenCount = model.FreezableUnits().Where(u => frozenUnits.Contains(u.Name)).Sum(u => u.Parameters.Sum(p => p.numel()));
        Assert.That(trainable.Sum(p => p.numel()), Is.EqualTo(all.Sum(p => p.parameter.numel()) - frozenCount));
        if (frozenUnits.Length > 0) Assert.That(frozenCount, Is.GreaterThan(0));

        var before = all.ToDictionary(p => p.name, p => p.parameter.detach().contiguous().data<float>().ToArray());
        var stats = Trainer.Train(new TrainRequest(model, trainable, data.TrainWindows, TinyWorld.Profile, Seed: 7, data.Tokenizer.PadId));
        Assert.That(stats.Steps, Is.GreaterThanOrEqualTo(3));

        foreach (var (name, parameter) in model.named_parameters())
        {
            var after = parameter.detach().contiguous().data<float>().ToArray();
            if (frozenHandles.Contains(parameter.Handle))
            {
                Assert.That(after, Is.EqualTo(before[name]).AsCollection, $"{config}: frozen {name} moved");
                Assert.That(parameter.requires_grad, Is.False, $"{config}: frozen {name} requires grad");
                Assert.That(parameter.grad is null || parameter.grad.count_nonzero().item<long>() == 0, Is.True, $"{config}: frozen {name} got a gradient");
            }
            else
            {
                Assert.That(after.SequenceEqual(before[name]), Is.False, $"{config}: trainable {name} did not change");
                Assert.That(parameter.requires_grad, Is.True, $"{config}: trainable {name}");
            }
        }
    }

    [Test]
    public void A_plan_naming_a_layer_the_model_lacks_is_refused_by_Apply()
    {
        using var model = ModelCatalog.CreateClassifier(TinyWorld.Model, Upos.Count);
        var plan = FreezePlan.Parse("slpf-4", numLayers: 6);
        Assert.That(() => plan.Apply(model), Throws.ArgumentException.With.Message.Contains("4"));
    }
}
