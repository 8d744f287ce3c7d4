using System.Text.Json.Nodes;
using POSLayerFreeze.Analysis;
using POSLayerFreeze.Data;
using POSLayerFreeze.Models;
using POSLayerFreeze.Tests.Experiments;
using POSLayerFreeze.Tokenization;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Analysis;

/// <summary><c>poslf probe</c>'s library side on the tiny Hugging Face BERT and the first EWT sentences (<see cref="TinyWorld"/>): the features are the model's own hidden
/// states at each word's first sub-token, and a run writes one probe per hidden state.</summary>
public class LayerProbesTests
{
    [Test]
    public void FeaturesAreEachWordsFirstSubTokenInEveryHiddenState()
    {
        var source = TinyWorld.Model;
        using var model = ModelCatalog.CreateClassifier(source, Upos.Count);
        var tokenizer = WordPieceAligner.FromVocab(source.VocabPath, source.Tokenizer!);
        string[][] sentences =
        [
            ["The", "unbelievably", "long", "sentence", "goes", "on", "and", "on", "without", "stopping", "anywhere", "."],
            ["Short", "one"],
            ["Hyphenated-words", "and", "numbers", "like", "12,345", "too"],
        ];
        // Windows of 8 tokens: the first sentence needs several, so word order across windows is exercised.
        var windows = sentences.Select(words => tokenizer.Windows(words, new int[words.Length], 8)).ToArray();
        Assert.That(windows[0], Has.Length.GreaterThan(1));
        var layers = Enumerable.Range(0, source.Config.NumLayers + 1).ToArray();
        var features = LayerFeatures.Extract(model, windows, sentences.Select(s => s.Length).ToArray(), layers, batchSize: 2, tokenizer.PadId);
        Assert.That(features.Words, Is.EqualTo(sentences.Sum(s => s.Length)));

        // Reference: each window alone (no padding), hidden state at the position where the word is labelled.
        model.eval();
        using var noGrad = no_grad();
        var offset = 0;
        var checkedValues = 0;
        for (var s = 0; s < sentences.Length; s++)
        {
            foreach (var window in windows[s])
            {
                using var scope = NewDisposeScope();
                var ids = tensor(window.InputIds.Select(i => (long)i).ToArray(), [1, window.Length]);
                var states = new List<Tensor>();
                model.Encoder.Encode(ids, ones_like(ids), states);
                foreach (var layer in layers)
                {
                    var matrix = features.Matrix(layer);
                    var expected = states[layer][0].data<float>().ToArray();   // [T·H]
                    for (var t = 0; t < window.Length; t++)
                    {
                        if (window.WordIndex[t] < 0) continue;
                        var word = offset + window.WordIndex[t];
                        for (var h = 0; h < features.Hidden; h++, checkedValues++)
                            Assert.That(matrix[word, h], Is.EqualTo(expected[t * features.Hidden + h]).Within(1e-5), $"layer {layer} word {word} dim {h}");
                    }
                }
            }
            offset += sentences[s].Length;
        }
        Assert.That(checkedValues, Is.EqualTo(features.Words * features.Hidden * layers.Length));
    }

    [Test]
    public void ARunWritesOneProbePerHiddenState()
    {
        var folder = TinyWorld.TempDir("probe");
        try
        {
            var treebank = Treebank.FromFolder(TinyWorld.DataDir, "test");
            var source = TinyWorld.Model;
            var profile = ProbeProfile.Default with { TrainSentences = 20, MaxLength = 16 };
            var report = LayerProbes.Run(source, treebank, profile, null, CPU, TextWriter.Null);
            LayerProbes.Write(report, Path.Combine(folder, "out"));

            Assert.That(report.Layers.Select(l => l.Layer), Is.EqualTo(Enumerable.Range(0, source.Config.NumLayers + 1)));
            Assert.That(report.Layers.Select(l => l.Unit), Is.EqualTo(new[] { "emb" }.Concat(Enumerable.Range(0, source.Config.NumLayers).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)))));
            var devWords = treebank.Load("dev").Sum(s => s.Words.Count(w => w.UposId >= 0));
            Assert.That(report.Layers.Select(l => l.DevWords), Is.All.EqualTo(devWords));
            Assert.That(report.TrainSentences, Is.EqualTo(20));
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "out", "probe.json")))!;
            Assert.That(json["layers"]!.AsArray().Select(l => l!["dev_correct"]!.GetValue<int>()), Is.EqualTo(report.Layers.Select(l => l.DevCorrect)));
            Assert.That(json["profile"]!["train_sentences"]!.GetValue<int>(), Is.EqualTo(20));
            Assert.That(File.ReadAllText(Path.Combine(folder, "out", "probe.md")), Does.Contain("| 0 (embeddings) | `emb` |"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void HiddenStatesParse()
    {
        Assert.That(LayerProbes.ParseHiddenStates("all", 6), Is.EqualTo(new[] { 0, 1, 2, 3, 4, 5, 6 }));
        Assert.That(LayerProbes.ParseHiddenStates(" 6, 0,3,3 ", 6), Is.EqualTo(new[] { 0, 3, 6 }));
        Assert.That(() => LayerProbes.ParseHiddenStates("7", 6), Throws.InstanceOf<FormatException>().With.Message.Contains("expected 0..6"));
        Assert.That(() => LayerProbes.ParseHiddenStates("-1", 6), Throws.InstanceOf<FormatException>());
        Assert.That(() => LayerProbes.ParseHiddenStates(",", 6), Throws.InstanceOf<FormatException>());
    }
}
