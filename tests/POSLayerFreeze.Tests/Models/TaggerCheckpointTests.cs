using System.Security.Cryptography;
using System.Text.Json.Nodes;
using POSLayerFreeze.Data;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tests.Experiments;
using POSLayerFreeze.Training;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Models;

/// <summary>
/// A saved tagger is a Hugging Face token-classification folder: key names and shapes as Hugging Face wrote them for
/// the tiny fixtures (the independent oracle), config fields unchanged, and our loader reads it back bit for bit.
/// </summary>
public class TaggerCheckpointTests : TinyTorchFixture
{
    /// <summary>A Hugging Face folder of the fixture (its 5-label head included) with the tiny 128-entry vocabulary.</summary>
    private static string SourceDir(string fixture)
    {
        var dir = TinyWorld.TempDir($"source-{fixture}");
        foreach (var file in new[] { "config.json", "model.safetensors" })
            File.Copy(Path.Combine(ModelTestSupport.TinyDir(fixture), file), Path.Combine(dir, file));
        File.WriteAllLines(Path.Combine(dir, "vocab.txt"), TinyWorld.Vocabulary());
        return dir;
    }

    /// <summary>The fixture's encoder with a fresh 17-tag head, every weight then moved a little (seeded).</summary>
    private static TokenClassifier Trained(ModelSource source)
    {
        TorchRuntime.Seed(7);
        var model = ModelCatalog.CreateClassifier(source, Upos.Count);
        using var noGrad = no_grad();
        foreach (var p in model.parameters()) p.add_(randn_like(p) * 0.01);
        return model;
    }

    private static float[] Values(Tensor t) => t.detach().to(CPU).contiguous().data<float>().ToArray();

    [TestCase("tiny-bert", "BertForTokenClassification")]
    [TestCase("tiny-distilbert", "DistilBertForTokenClassification")]
    public void Saved_tagger_is_a_Hugging_Face_folder_that_reloads_bit_for_bit(string fixture, string architecture)
    {
        var source = ModelCatalog.Resolve(SourceDir(fixture));
        using var model = Trained(source);
        var saved = TinyWorld.TempDir("saved");
        var files = TaggerCheckpoint.Save(model, source, maxLength: 16, saved);

        Assert.That(files.Keys, Is.EquivalentTo(new[] { "config.json", "model.safetensors", "tokenizer_config.json", "vocab.txt" }));
        foreach (var (name, sha) in files)
            Assert.That(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(saved, name)))), Is.EqualTo(sha), name);
        Assert.That(TinyWorld.TempFiles(saved), Is.Empty);

        var original = (JsonObject)JsonNode.Parse(File.ReadAllText(source.ConfigPath))!;
        var config = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(saved, "config.json")))!;
        Assert.That(config["architectures"]!.AsArray().Select(a => a!.GetValue<string>()), Is.EqualTo(new[] { architecture }));
        Assert.That(Enumerable.Range(0, Upos.Count).Select(i => config["id2label"]![i.ToString(Invariant.Culture)]!.GetValue<string>()), Is.EqualTo(Upos.Tags));
        Assert.That(Upos.Tags.Select(t => config["label2id"]![t]!.GetValue<int>()), Is.EqualTo(Enumerable.Range(0, Upos.Count)));
        foreach (var (key, value) in original.Where(kv => kv.Key is not ("architectures" or "id2label" or "label2id")))
            Assert.That(Invariant.ToJson(config[key]), Is.EqualTo(Invariant.ToJson(value)), $"config.json '{key}' unchanged");
        var tokenizer = JsonNode.Parse(File.ReadAllText(Path.Combine(saved, "tokenizer_config.json")))!;
        Assert.That((tokenizer["model_max_length"]!.GetValue<int>(), tokenizer["do_lower_case"]!.GetValue<bool>()), Is.EqualTo((16, true)));
        Assert.That(File.ReadAllBytes(Path.Combine(saved, "vocab.txt")), Is.EqualTo(File.ReadAllBytes(source.VocabPath)));

        // Key names and shapes: exactly what Hugging Face wrote for this architecture, the head resized to 17 tags.
        var hf = Safetensors.Read(source.WeightsPath);
        var ours = Safetensors.Read(Path.Combine(saved, "model.safetensors"));
        Assert.That(ours.Keys, Is.EquivalentTo(hf.Keys));
        var hidden = source.Config.HiddenSize;
        foreach (var (key, entry) in hf)
        {
            long[] expected = key == "classifier.weight" ? [Upos.Count, hidden] : key == "classifier.bias" ? [Upos.Count] : [.. entry.Shape];
            Assert.That(ours[key].Shape, Is.EqualTo(expected), key);
        }

        using var loaded = TaggerCheckpoint.Load(saved);
        Assert.That(loaded.MaxLength, Is.EqualTo(16));
        var before = model.named_parameters().ToDictionary(p => p.name, p => Values(p.parameter));
        foreach (var (name, parameter) in loaded.Model.named_parameters())
            Assert.That(Values(parameter), Is.EqualTo(before[name]), name);

        // Tagging: same windows, same batches, same tags; and CreateClassifier keeps the saved head (our labels).
        var data = ExperimentData.Load(source, TinyWorld.Profile with { MaxLength = 16 }, Treebank.FromFolder(TinyWorld.DataDir, "test"));
        var expectedTags = Predictor.Predict(model, data.Test.Windows, data.Test.WordCounts, 64, data.Tokenizer.PadId);
        Assert.That(Predictor.Predict(loaded.Model, data.Test.Windows, data.Test.WordCounts, 64, data.Tokenizer.PadId), Is.EqualTo(expectedTags));
        TorchRuntime.Seed(99);
        using var resumed = ModelCatalog.CreateClassifier(ModelCatalog.Resolve(saved), Upos.Count);
        Assert.That(Values(resumed.ClassifierParameters()[0]), Is.EqualTo(before["classifier.weight"]), "a saved tagger's own head is loaded");
        TorchRuntime.Seed(99);
        using var fresh = ModelCatalog.CreateClassifier(source, Upos.Count);
        Assert.That(Values(fresh.ClassifierParameters()[0]), Is.Not.EqualTo(Values(resumed.ClassifierParameters()[0])),
            "a head for other labels (LABEL_0…4) is never inherited");
    }

    [Test]
    public void Loading_a_checkpoint_with_other_labels_as_a_tagger_says_which()
    {
        var dir = SourceDir("tiny-bert");
        Assert.That(() => TaggerCheckpoint.Load(dir), Throws.TypeOf<InvalidDataException>()
            .With.Message.Contains("config.json").And.Message.Contains("id2label is [LABEL_0"));
    }
}
