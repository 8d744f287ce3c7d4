using POSLayerFreeze.Freezing;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tests.Experiments;
using POSLayerFreeze.Tests.Models;
using POSLayerFreeze.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Training;

/// <summary>The protocol's Hugging Face defaults: schedule with warm-up, decay groups, clipping, and the loop's log.</summary>
[TestFixture]
public sealed class ProtocolTests
{
    [Test]
    public void LinearScheduleWithWarmupIsHuggingFaces()
    {
        var profile = TrainingProfile.Smoke with { LearningRate = 1.0, WarmupRatio = 0.25 };
        // T = 10, warm-up ⌈2.5⌉ = 3: 0, 1/3, 2/3, then (10 − s)/7.
        double[] expected = [0, 1 / 3.0, 2 / 3.0, 1, 6 / 7.0, 5 / 7.0, 4 / 7.0, 3 / 7.0, 2 / 7.0, 1 / 7.0];
        Assert.That(Enumerable.Range(0, 10).Select(s => profile.LearningRateAt(s, 10)), Is.EqualTo(expected).Within(1e-12));
        Assert.That((profile with { WarmupSteps = 5 }).WarmupStepsFor(10), Is.EqualTo(5), "steps win over the ratio");
        // No warm-up: lr·(T − s)/T, the first step at the full rate.
        Assert.That(TrainingProfile.Full.LearningRateAt(0, 4), Is.EqualTo(5e-5));
        Assert.That(TrainingProfile.Full.LearningRateAt(3, 4), Is.EqualTo(5e-5 / 4).Within(1e-18));
    }

    [TestCase("tiny-bert")]
    [TestCase("tiny-distilbert")]
    public void DecayExemptsBiasesAndLayerNormsLikeHuggingFaceTrainer(string fixture)
    {
        using var model = ModelCatalog.LoadTokenClassificationCheckpoint(ModelTestSupport.TinyDir(fixture));
        var trainable = FreezePlan.Parse("baseline", model.Config.NumLayers).Apply(model);
        var exempt = Trainer.DecayExempt(model, trainable, WeightDecayExclusion.BiasAndLayerNorm).ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var (name, p) in model.named_parameters())
        {
            // Hugging Face names: BERT's "LayerNorm", DistilBERT's "sa_layer_norm"/"output_layer_norm".
            var isNorm = name.Contains("LayerNorm", StringComparison.Ordinal) || name.Contains("layer_norm", StringComparison.Ordinal);
            Assert.That(exempt.Contains(p), Is.EqualTo(isNorm || name.EndsWith(".bias", StringComparison.Ordinal)), name);
        }
        Assert.That(Trainer.DecayExempt(model, trainable, WeightDecayExclusion.None), Is.Empty);
    }

    [Test]
    public void ExemptParametersAreNotDecayed()
    {
        using var model = ModelCatalog.LoadTokenClassificationCheckpoint(ModelTestSupport.TinyDir("tiny-bert"));
        var trainable = FreezePlan.Parse("baseline", model.Config.NumLayers).Apply(model);
        var exempt = Trainer.DecayExempt(model, trainable, WeightDecayExclusion.BiasAndLayerNorm);
        var before = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        using var optimizer = new FlatAdamW(trainable, 0.1, weightDecay: 0.5, noDecay: exempt);
        optimizer.Step();   // zero gradients: Adam's update is 0, only decay moves a parameter
        var exemptSet = exempt.ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var (name, p) in model.named_parameters())
        {
            var expected = exemptSet.Contains(p) ? before[name] : before[name] * (1 - 0.1 * 0.5);
            Assert.That((p - expected).abs().max().item<float>(), Is.LessThanOrEqualTo(1e-7), name);
        }
        Assert.That(optimizer.DecayedParameters, Is.EqualTo(trainable.Where(p => !exemptSet.Contains(p)).Sum(p => p.numel())));
    }

    [Test]
    public void ClippingEqualsTorchClipGradNorm()
    {
        using var model = ModelCatalog.LoadTokenClassificationCheckpoint(ModelTestSupport.TinyDir("tiny-bert"));
        using var reference = ModelCatalog.LoadTokenClassificationCheckpoint(ModelTestSupport.TinyDir("tiny-bert"));
        var trainable = FreezePlan.Parse("slpf-0", model.Config.NumLayers).Apply(model);
        var referenceTrainable = FreezePlan.Parse("slpf-0", reference.Config.NumLayers).Apply(reference);
        using var optimizer = new FlatAdamW(trainable, 1e-3);
        var generator = new Generator(5);
        foreach (var (p, q) in trainable.Zip(referenceTrainable))
        {
            var g = randn(p.shape, generator: generator);
            p.grad!.copy_(g);
            q.grad = g.clone();
        }
        var norm = optimizer.ClipGradNorm(0.5).item<float>();
        var expectedNorm = nn.utils.clip_grad_norm_(referenceTrainable, 0.5);
        Assert.That(norm, Is.EqualTo(expectedNorm).Within(1e-4 * expectedNorm));
        foreach (var (p, q) in trainable.Zip(referenceTrainable))
            Assert.That((p.grad! - q.grad!).abs().max().item<float>(), Is.LessThanOrEqualTo(1e-6));
    }

    [Test]
    public void TheLogHasEveryReadStepWithItsEpochLearningRateAndGradientNorm()
    {
        var data = POSLayerFreeze.Experiments.ExperimentData.Load(TinyWorld.Model, TinyWorld.Profile, POSLayerFreeze.Data.Treebank.FromFolder(TinyWorld.DataDir, "test"));
        TorchRuntime.Seed(7);
        using var model = ModelCatalog.CreateClassifier(TinyWorld.Model, POSLayerFreeze.Data.Upos.Tags.Count);
        var trainable = FreezePlan.Parse("baseline", model.Config.NumLayers).Apply(model);
        var profile = TinyWorld.Profile with { Epochs = 2 };
        var stats = Trainer.Train(new TrainRequest(model, trainable, data.TrainWindows, profile, 7, data.Tokenizer.PadId) { LoggingSteps = 1 });
        var perEpoch = stats.Steps / 2;
        Assert.That(stats.Log.Select(e => e.Step), Is.EqualTo(Enumerable.Range(1, stats.Steps)));
        Assert.That(stats.Log[perEpoch - 1].Epoch, Is.EqualTo(1.0).Within(1e-12));
        Assert.That(stats.Log[^1].Epoch, Is.EqualTo(2.0).Within(1e-12));
        Assert.That(stats.Log.Select(e => e.LearningRate), Is.EqualTo(Enumerable.Range(0, stats.Steps).Select(s => profile.LearningRateAt(s, stats.Steps))));
        Assert.That(stats.Log.All(e => double.IsFinite(e.Loss) && e.Loss > 0 && e.GradNorm > 0), Is.True);
    }
}
