using System.Text.Json.Nodes;
using POSLayerFreeze.Models;
using static POSLayerFreeze.Tests.Models.ModelTestSupport;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Models;

/// <summary>Our DistilBERT and BERT against Hugging Face's own outputs for its own tiny checkpoints (eval mode).</summary>
public class ParityTests
{
    private static readonly string[] ExpectedUnits = ["emb", "0", "1"];
    private const double Tolerance = 1e-5;

    [TestCase("tiny-distilbert")]
    [TestCase("tiny-bert")]
    public void LogitsAndEveryHiddenStateMatchHuggingFace(string fixture)
    {
        var dir = TinyDir(fixture);
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "expected.json")))!.AsObject();
        // The same comparison `poslf parity` runs on any device.
        var diffs = ReferenceParity.AgainstExpected(dir, CPU);

        var expectedHidden = expected["hidden_states"]!.AsArray();
        Assert.That(diffs, Has.Count.EqualTo(1 + expectedHidden.Count), "logits, embeddings output, one per layer");
        foreach (var (name, diff) in diffs) TestContext.Out.WriteLine($"{fixture} {name}: max |diff| = {diff:E3}");
        Assert.That(diffs.Select(d => d.MaxAbsDiff), Has.All.LessThanOrEqualTo(Tolerance));
    }

    [TestCase("tiny-distilbert")]
    [TestCase("tiny-bert")]
    public void StateDictKeysEqualTheHuggingFaceCheckpointKeys(string fixture)
    {
        var dir = TinyDir(fixture);
        var config = EncoderConfig.FromFile(Path.Combine(dir, "config.json"));
        using var model = new TokenClassifier(config, numLabels: 5);
        var ours = model.state_dict().Keys.Order(StringComparer.Ordinal).ToList();
        var theirs = Safetensors.Read(Path.Combine(dir, "model.safetensors")).Keys.Order(StringComparer.Ordinal).ToList();
        Assert.That(ours, Is.EqualTo(theirs));
    }

    [TestCase("tiny-distilbert")]
    [TestCase("tiny-bert")]
    public void ATransposedSquareMatrixLoadsByShapeButBreaksParity(string fixture)
    {
        // Shapes cannot reveal a transposed square weight: this is why the ONNX import transposes by graph
        // topology (see OnnxImportTests), and why parity against reference outputs is the real check.
        var dir = TinyDir(fixture);
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "expected.json")))!.AsObject();
        var tensors = Safetensors.Read(Path.Combine(dir, "model.safetensors")).ToDictionary();
        var key = fixture == "tiny-bert" ? "bert.encoder.layer.0.attention.output.dense.weight" : "distilbert.transformer.layer.0.attention.out_lin.weight";
        var square = tensors[key];
        var n = (int)square.Shape[0];
        var transposed = new float[square.Data.Length];
        for (var r = 0; r < n; r++) for (var c = 0; c < n; c++) transposed[(c * n) + r] = square.Data[(r * n) + c];
        tensors[key] = square with { Data = transposed };

        using var scope = NewDisposeScope();
        using var model = new TokenClassifier(EncoderConfig.FromFile(Path.Combine(dir, "config.json")), 5);
        CheckpointLoader.Load(model, tensors, loadClassifier: true, "transposed");
        var diff = ReferenceParity.Compare(model, expected, CPU)[^1].MaxAbsDiff;   // last hidden state
        TestContext.Out.WriteLine($"{fixture} with {key} transposed: last hidden state max |diff| = {diff:E3}");
        Assert.That(diff, Is.GreaterThan(100 * Tolerance), "far outside the parity tolerance");
    }

    [Test]
    public void FreezableUnitsAreEmbThenEachLayerAndExcludeTheClassifier()
    {
        var config = EncoderConfig.FromFile(Path.Combine(TinyDir("tiny-distilbert"), "config.json"));
        using var model = new TokenClassifier(config, 17);
        var units = model.FreezableUnits();
        Assert.That(units.Select(u => u.Name), Is.EqualTo(ExpectedUnits));
        var unitParams = units.SelectMany(u => u.Parameters).Concat(model.ClassifierParameters()).Select(p => p.Handle).ToHashSet();
        Assert.Multiple(() =>
        {
            Assert.That(unitParams, Has.Count.EqualTo(model.parameters().Count()), "every parameter in exactly one unit or the head");
            Assert.That(units[0].Parameters, Has.Count.EqualTo(4), "word, position, LayerNorm weight and bias");
            Assert.That(model.ClassifierParameters().Select(p => p.shape), Is.EqualTo(new[] { new long[] { 17, 32 }, [17] }));
        });
    }

    [Test]
    public void ClassifierInitialisationIsNormal002ZeroBiasAndSeeded()
    {
        var config = EncoderConfig.FromFile(Path.Combine(TinyDir("tiny-bert"), "config.json"));
        float[] Draw()
        {
            using var model = new TokenClassifier(config, 17);
            manual_seed(123);
            model.InitializeClassifier();
            var head = model.ClassifierParameters();
            Assert.That(head[1].abs().max().item<float>(), Is.Zero);
            return head[0].data<float>().ToArray();
        }
        var first = Draw();
        var std = Math.Sqrt(first.Select(v => (double)v * v).Average());
        Assert.Multiple(() =>
        {
            Assert.That(Draw(), Is.EqualTo(first), "same seed, same head");
            Assert.That(std, Is.InRange(0.015, 0.025));
        });
    }
}
