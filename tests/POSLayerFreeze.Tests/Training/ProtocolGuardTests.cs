using System.Text.Json.Nodes;
using POSLayerFreeze.Data;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Freezing;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tests.Experiments;
using POSLayerFreeze.Training;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Training;

/// <summary>
/// Each protocol choice must reach the weights or the predictions: a knob of the profile (weight decay, the
/// schedule), the model's dropout while training, eval mode while tagging, the head's initialisation, every test
/// sentence. Written against eng/protocol-bugs (docs/specs.md): each test here is the cheapest one that fails when
/// that choice is silently lost, where no other fast test did.
/// </summary>
[TestFixture]
public sealed class ProtocolGuardTests
{
    private static ExperimentData? s_data;

    private static ExperimentData Data => s_data ??= ExperimentData.Load(TinyWorld.Model, TinyWorld.Profile, Treebank.FromFolder(TinyWorld.DataDir, "test"));

    /// <summary>The classifier weights after training TinyWorld with <paramref name="profile"/> from seed 42.</summary>
    private static float[] TrainedHead(TrainingProfile profile, ModelSource? source = null)
    {
        TorchRuntime.Seed(42);
        using var model = ModelCatalog.CreateClassifier(source ?? TinyWorld.Model, Upos.Tags.Count);
        var trainable = FreezePlan.Parse("baseline", model.Config.NumLayers).Apply(model);
        Trainer.Train(new TrainRequest(model, trainable, Data.TrainWindows, profile, 42, Data.Tokenizer.PadId));
        return model.ClassifierParameters()[0].data<float>().ToArray();
    }

    [Test]
    public void The_same_training_twice_gives_the_same_head()
    {
        // the premise of the tests below: a difference there comes from the knob, not from noise
        var first = TrainedHead(TinyWorld.Profile);
        Assert.That(TrainedHead(TinyWorld.Profile), Is.EqualTo(first));
    }

    [Test]
    public void The_profiles_weight_decay_reaches_the_optimizer()
    {
        Assert.That(TrainedHead(TinyWorld.Profile with { WeightDecay = 0.5 }), Is.Not.EqualTo(TrainedHead(TinyWorld.Profile with { WeightDecay = 0 })));
    }

    [Test]
    public void The_schedules_learning_rate_reaches_the_optimizer()
    {
        // one warm-up step only changes step 0's rate (0 instead of the peak): the weights must see it
        Assert.That(TrainedHead(TinyWorld.Profile with { WarmupSteps = 1 }), Is.Not.EqualTo(TrainedHead(TinyWorld.Profile)));
    }

    [Test]
    public void Training_applies_the_models_dropout()
    {
        var noDropout = TinyWorld.TempDir("nodropout");
        try
        {
            foreach (var file in Directory.GetFiles(TinyWorld.ModelDir)) File.Copy(file, Path.Combine(noDropout, Path.GetFileName(file)));
            var configPath = Path.Combine(noDropout, "config.json");
            var config = JsonNode.Parse(File.ReadAllText(configPath))!;
            Assert.That(config["hidden_dropout_prob"]!.GetValue<double>(), Is.GreaterThan(0), "the fixture trains with dropout");
            config["hidden_dropout_prob"] = 0.0;
            config["attention_probs_dropout_prob"] = 0.0;
            File.WriteAllText(configPath, config.ToJsonString());
            Assert.That(TrainedHead(TinyWorld.Profile, ModelCatalog.Resolve(noDropout)), Is.Not.EqualTo(TrainedHead(TinyWorld.Profile)),
                "training with the model's dropout must differ from training without it");
        }
        finally
        {
            Directory.Delete(noDropout, recursive: true);
        }
    }

    [Test]
    public void A_new_classifier_has_the_Hugging_Face_head_not_TorchSharps_default()
    {
        // TorchSharp's Linear default is Kaiming-uniform with a non-zero uniform bias; Hugging Face draws N(0, 0.02), bias 0
        TorchRuntime.Seed(42);
        using var model = ModelCatalog.CreateClassifier(TinyWorld.Model, Upos.Tags.Count);
        var head = model.ClassifierParameters();
        var weight = head[0].data<float>().ToArray();
        var std = Math.Sqrt(weight.Select(v => (double)v * v).Average());
        Assert.Multiple(() =>
        {
            Assert.That(head[1].abs().max().item<float>(), Is.Zero, "bias");
            Assert.That(std, Is.InRange(0.015, 0.025), "weight std");
        });
    }

    [Test]
    public void Tagging_runs_in_eval_mode_whatever_mode_the_model_is_in()
    {
        TorchRuntime.Seed(42);
        using var model = ModelCatalog.CreateClassifier(TinyWorld.Model, Upos.Tags.Count);
        int[][] Tag() => Predictor.Predict(model, Data.Test.Windows, Data.Test.WordCounts, TinyWorld.Profile.EvalBatchSize, Data.Tokenizer.PadId);
        model.eval();
        var reference = Tag();
        model.train();   // as the trainer leaves it
        TorchRuntime.Seed(7);
        var afterTraining = Tag();
        TorchRuntime.Seed(8);
        Assert.That(afterTraining, Is.EqualTo(reference), "dropout must be off while tagging");
        Assert.That(Tag(), Is.EqualTo(reference));
        Assert.That(model.training, Is.True, "the caller's mode is restored");
    }

    [Test]
    public void Evaluation_reads_every_word_of_EWT_dev_and_test()
    {
        // The counts of UD English EWT 2.16 (shared/datasets/ud-english-ewt/README): 2,001 dev sentences, 25,147
        // UPOS words; 2,077 test sentences, 25,094 words. Tokenized with the tiny vocabulary: only the counts matter.
        var data = ExperimentData.Load(TinyWorld.Model, TinyWorld.Profile, Treebank.FromFolder(TestPaths.DatasetDir, "test"));
        Assert.Multiple(() =>
        {
            Assert.That((data.Test.Sentences.Count, data.Test.Words), Is.EqualTo((2077, 25094)), "test");
            Assert.That((data.Dev.Sentences.Count, data.Dev.Words), Is.EqualTo((2001, 25147)), "dev");
            Assert.That(data.Test.Windows.Select(w => w.Sum(x => x.WordCount)), Is.EqualTo(data.Test.WordCounts), "every test word is in a window");
        });
    }
}
