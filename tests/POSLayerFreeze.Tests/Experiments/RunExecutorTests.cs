using System.Text.Json.Nodes;
using POSLayerFreeze.Data;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Tests.Experiments;

/// <summary>One run on the tiny world: every gold word tagged once, the written CoNLL-U scores as metrics.json says,
/// and a run is a function of its spec.</summary>
public class RunExecutorTests : TinyTorchFixture
{
    private static readonly Lazy<ExperimentData> Data = new(() =>
        ExperimentData.Load(TinyWorld.Model, TinyWorld.Profile, Treebank.FromFolder(TinyWorld.DataDir, "test")));

    private static RunSpec Spec(string config, long seed, TrainingProfile? profile = null)
    {
        var model = TinyWorld.Model;
        return new RunSpec(config, seed, profile ?? TinyWorld.Profile, model.Name, Sweep.ModelIdentity(model), "cpu", Tf32: false)
        {
            Dataset = Data.Value.Treebank.Identity,
        };
    }

    [Test]
    public void Predictor_tags_every_word_once_when_sentences_span_several_windows()
    {
        var data = Data.Value;
        const int maxLength = 8;
        var windows = data.Dev.Sentences.Select(s => data.Tokenizer.Windows(s.Forms(), s.UposIds(), maxLength)).ToArray();
        Assert.That(windows.Count(w => w.Length > 1), Is.GreaterThan(data.Dev.Sentences.Count / 2), "the test needs multi-window sentences");
        Assert.That(windows.SelectMany(w => w).Max(w => w.Length), Is.LessThanOrEqualTo(maxLength));
        TorchRuntime.Seed(1);
        using var model = ModelCatalog.CreateClassifier(data.Model, Upos.Count);
        var predictions = Predictor.Predict(model, windows, data.Dev.WordCounts, batchSize: 5, data.Tokenizer.PadId);
        Assert.That(predictions.Select(p => p.Length), Is.EqualTo(data.Dev.WordCounts));
        Assert.That(predictions.SelectMany(p => p).All(t => t >= 0 && t < Upos.Count), Is.True);
        Assert.That(model.training, Is.True, "Predict restores the training flag");

        // Window length must not change what the model predicts for a word only by batching: batch size 1 vs 5 agree.
        var one = Predictor.Predict(model, windows, data.Dev.WordCounts, batchSize: 1, data.Tokenizer.PadId);
        Assert.That(one, Is.EqualTo(predictions));
    }

    [Test]
    public void A_spec_planned_for_other_treebank_files_is_refused_before_training()
    {
        var data = Data.Value;
        var spec = Spec("all", 42) with { Dataset = data.Treebank.Identity with { Test = data.Treebank.Identity.Test with { Sha256 = "0" } } };
        var dir = TinyWorld.TempDir("stale");
        Assert.That(() => RunExecutor.Execute(spec, data, dir), Throws.InvalidOperationException.With.Message.Contains("other treebank files"));
        Assert.That(Directory.GetFileSystemEntries(dir), Is.Empty);
    }

    [Test]
    public void Predictor_refuses_windows_that_miss_a_word()
    {
        var data = Data.Value;
        var windows = data.Dev.Windows.Take(3).ToArray();
        int[] counts = [.. data.Dev.WordCounts.Take(3)];
        counts[1]++;
        using var model = ModelCatalog.CreateClassifier(data.Model, Upos.Count);
        Assert.That(() => Predictor.Predict(model, windows, counts, 8, data.Tokenizer.PadId),
            Throws.InvalidOperationException.With.Message.Contains("no prediction"));
    }

    [Test]
    public void Written_predictions_scored_by_the_CoNLL_2018_UPOS_rule_equal_metrics_json()
    {
        var dir = TinyWorld.TempDir("exec");
        var profile = TinyWorld.Profile with { MaxLength = 12 };   // long sentences split into windows
        var data = ExperimentData.Load(TinyWorld.Model, profile, Treebank.FromFolder(TinyWorld.DataDir, "test"));
        Assert.That(data.Test.Windows.Any(w => w.Length > 1), Is.True);
        var metrics = RunExecutor.Execute(Spec("slpf-1", 42, profile), data, dir);

        var gold = ConlluReader.Read(Path.Combine(TinyWorld.DataDir, "en_ewt-ud-test.conllu")).ToArray();
        var predicted = ConlluReader.Read(Path.Combine(dir, RunExecutor.PredictionsFile)).ToArray();
        Assert.That(predicted, Has.Length.EqualTo(gold.Length));
        long words = 0, correct = 0;
        for (var s = 0; s < gold.Length; s++)
        {
            Assert.That(predicted[s].Words.Select(w => (w.Id, w.Form)), Is.EqualTo(gold[s].Words.Select(w => (w.Id, w.Form))), $"sentence {s} tokenization");
            for (var w = 0; w < gold[s].Words.Count; w++)
            {
                words++;
                if (predicted[s].Words[w].Upos == gold[s].Words[w].Upos) correct++;
            }
        }
        var onDisk = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, RunExecutor.MetricsFile)))!;
        Assert.That(onDisk["test"]!["words"]!.GetValue<long>(), Is.EqualTo(words));
        Assert.That(onDisk["test"]!["accuracy"]!.GetValue<double>(), Is.EqualTo((double)correct / words));
        Assert.That(metrics.Test.Accuracy, Is.EqualTo((double)correct / words));
        Assert.That(onDisk["dev"]!["words"]!.GetValue<long>(), Is.EqualTo(data.Dev.Words));

        var sentences = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, RunExecutor.SentencesFile)))!;
        Assert.That(sentences["correct"]!.AsArray().Sum(n => n!.GetValue<int>()), Is.EqualTo(correct));
        Assert.That(sentences["words"]!.AsArray().Sum(n => n!.GetValue<int>()), Is.EqualTo(words));

        foreach (var key in new[] { "config", "seed", "profile", "model", "treebank", "device", "frozen", "trainable_parameters", "inputs_hash" })
            Assert.That(onDisk[key], Is.Not.Null, key);
        foreach (var key in new[] { "steps", "tokens", "seconds", "tokens_per_second", "cpu_seconds" })
            Assert.That(onDisk["train"]![key], Is.Not.Null, "train." + key);
        // Process CPU time over the training call: positive, and on 2 OpenMP threads at most ~2 CPU-s per wall second
        // (plus the batch upload, which the wall clock does not count; a loose bound that still catches a unit mix-up).
        var cpu = onDisk["train"]!["cpu_seconds"]!.GetValue<double>();
        Assert.That(cpu, Is.GreaterThan(0));
        Assert.That(cpu, Is.LessThan(Environment.ProcessorCount * onDisk["train"]!["seconds"]!.GetValue<double>() + 5));
        Assert.That(onDisk["test"]!["per_tag"], Is.Not.Null);
        Assert.That(onDisk["frozen"]!.AsArray().Select(n => n!.GetValue<string>()), Is.EqualTo(new[] { "1" }));
        Assert.That(TinyWorld.TempFiles(dir), Is.Empty);
    }

    [Test]
    public void Same_spec_twice_gives_identical_metrics_and_another_seed_does_not()
    {
        var data = Data.Value;
        JsonObject Run(long seed) => Comparable(RunMetricsFile.ToNode(RunExecutor.Execute(Spec("clpf-0", seed), data, TinyWorld.TempDir("det"))));
        var first = Run(42);
        var second = Run(42);
        var other = Run(43);
        Assert.That(Invariant.ToJson(second), Is.EqualTo(Invariant.ToJson(first)));
        Assert.That(other["test"]!.ToJsonString(), Is.Not.EqualTo(first["test"]!.ToJsonString()));
        Assert.That(other["train"]!["loss"]!.ToJsonString(), Is.Not.EqualTo(first["train"]!["loss"]!.ToJsonString()));
    }

    /// <summary>metrics.json without what legitimately differs between identical runs: timing and provenance.</summary>
    internal static JsonObject Comparable(JsonObject metrics)
    {
        var copy = (JsonObject)metrics.DeepClone();
        copy.Remove("provenance");
        var train = (JsonObject)copy["train"]!;
        train.Remove("seconds");
        train.Remove("cpu_seconds");
        train.Remove("tokens_per_second");
        return copy;
    }
}
