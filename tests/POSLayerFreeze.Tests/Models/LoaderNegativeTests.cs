using System.Text.Json.Nodes;
using POSLayerFreeze.Models;
using TorchSharp;
using static POSLayerFreeze.Tests.Models.ModelTestSupport;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Models;

/// <summary>Untrusted checkpoints: each defect is refused with a message that names it.</summary>
public class LoaderNegativeTests
{
    private static readonly string[] MysteryKey = ["distilbert.transformer.layer.0.attention.mystery.weight"];
    private static readonly string[] AllowListed = ["distilbert.embeddings.position_ids", "vocab_projector.bias"];
    private static readonly string[] ClassifierKeys = ["classifier.bias", "classifier.weight"];
    private string dir = "";

    private static string TinyWeights => Path.Combine(TinyDir("tiny-distilbert"), "model.safetensors");

    private static EncoderConfig TinyConfig => EncoderConfig.FromFile(Path.Combine(TinyDir("tiny-distilbert"), "config.json"));

    [SetUp]
    public void CreateTempDir() => dir = TempDir();

    [TearDown]
    public void RemoveTempDir() => Directory.Delete(dir, recursive: true);

    [Test]
    public void TruncatedFileIsRefused()
    {
        var bytes = File.ReadAllBytes(TinyWeights);
        var path = Path.Combine(dir, "truncated.safetensors");
        File.WriteAllBytes(path, bytes[..^100]);
        Assert.That(() => Safetensors.Read(path),
            Throws.TypeOf<CheckpointFormatException>().With.Message.Contains("out of range").Or.Message.Contains("truncated"));
    }

    [Test]
    public void HeaderLengthLargerThanTheFileIsRefused()
    {
        var path = WriteRaw(Path.Combine(dir, "h.safetensors"), "{}", [], declaredHeaderLength: 1 << 20);
        Assert.That(() => Safetensors.Read(path),
            Throws.TypeOf<CheckpointFormatException>().With.Message.Contains("larger than the file"));
    }

    [Test]
    public void OffsetsOutOfRangeAreRefused()
    {
        var path = WriteRaw(Path.Combine(dir, "o.safetensors"),
            """{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", new byte[8]);
        Assert.That(() => Safetensors.Read(path),
            Throws.TypeOf<CheckpointFormatException>().With.Message.Contains("'w' data_offsets [0, 16] out of range"));
    }

    [Test]
    public void ShapeThatDisagreesWithOffsetsIsRefused()
    {
        var path = WriteRaw(Path.Combine(dir, "s.safetensors"),
            """{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}""", new byte[16]);
        Assert.That(() => Safetensors.Read(path),
            Throws.TypeOf<CheckpointFormatException>().With.Message.Contains("is 12 bytes but data_offsets span 16"));
    }

    [Test]
    public void OverlappingTensorsAreRefused()
    {
        var path = WriteRaw(Path.Combine(dir, "x.safetensors"),
            """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", new byte[12]);
        Assert.That(() => Safetensors.Read(path), Throws.TypeOf<CheckpointFormatException>().With.Message.Contains("overlaps"));
    }

    [Test]
    public void WrongDtypeIsRefused()
    {
        var path = WriteRaw(Path.Combine(dir, "d.safetensors"),
            """{"w":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}}""", new byte[8]);
        Assert.That(() => Safetensors.Read(path),
            Throws.TypeOf<CheckpointFormatException>().With.Message.Contains("'w' has dtype F16; only F32"));
    }

    [Test]
    public void InvalidJsonHeaderIsRefused()
    {
        var path = WriteRaw(Path.Combine(dir, "j.safetensors"), "{not json", []);
        Assert.That(() => Safetensors.Read(path), Throws.TypeOf<CheckpointFormatException>().With.Message.Contains("not valid JSON"));
    }

    [Test]
    public void WriterRoundTripsThroughTheStrictReader()
    {
        var path = Path.Combine(dir, "rt.safetensors");
        Safetensors.Write(path, [new SafetensorsEntry("b", "F32", [2, 3], [1, 2, 3, 4, 5, 6]), new SafetensorsEntry("a", "F32", [1], [7])]);
        var back = Safetensors.Read(path);
        Assert.That(back["b"].Data, Is.EqualTo(new float[] { 1, 2, 3, 4, 5, 6 }));
        Assert.That(back["b"].Shape, Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(back["a"].Data, Is.EqualTo(new float[] { 7 }));
    }

    [Test]
    public void MissingLayerIsListed()
    {
        var tensors = Safetensors.Read(TinyWeights).Where(kv => !kv.Key.Contains(".layer.1.", StringComparison.Ordinal)).ToDictionary();
        using var model = new TokenClassifier(TinyConfig, 5);
        var error = Assert.Throws<CheckpointMismatchException>(() => CheckpointLoader.Load(model, tensors, loadClassifier: true, "tiny"))!;
        Assert.That(error.Missing, Has.Count.EqualTo(16).And.All.Contains("distilbert.transformer.layer.1."));
        Assert.That(error.Message, Does.Contain("missing (16)").And.Contain("distilbert.transformer.layer.1.ffn.lin1.weight"));
    }

    [Test]
    public void ExtraUnknownKeyIsRefusedButAllowListedHeadsAreIgnored()
    {
        var tensors = Safetensors.Read(TinyWeights).ToDictionary();
        tensors["distilbert.transformer.layer.0.attention.mystery.weight"] = new SafetensorsEntry("m", "F32", [1], [0]);
        using var model = new TokenClassifier(TinyConfig, 5);
        var error = Assert.Throws<CheckpointMismatchException>(() => CheckpointLoader.Load(model, tensors, loadClassifier: true, "tiny"))!;
        Assert.That(error.Unexpected, Is.EqualTo(MysteryKey));
        Assert.That(error.Message, Does.Contain("unexpected (1)"));

        tensors.Remove("distilbert.transformer.layer.0.attention.mystery.weight");
        tensors["vocab_projector.bias"] = new SafetensorsEntry("v", "F32", [1], [0]);
        tensors["distilbert.embeddings.position_ids"] = new SafetensorsEntry("p", "F32", [1], [0]);
        var report = CheckpointLoader.Load(model, tensors, loadClassifier: true, "tiny");
        Assert.That(report.Ignored, Is.EqualTo(AllowListed));
    }

    [Test]
    public void MisShapedTensorIsListedBeforeAnythingIsCopied()
    {
        var tensors = Safetensors.Read(TinyWeights).ToDictionary();
        using var model = new TokenClassifier(TinyConfig, 17);
        var before = model.state_dict()["distilbert.embeddings.word_embeddings.weight"].clone();
        var error = Assert.Throws<CheckpointMismatchException>(() => CheckpointLoader.Load(model, tensors, loadClassifier: true, "tiny"))!;
        Assert.That(error.MisShaped, Has.Count.EqualTo(2));
        Assert.That(error.Message, Does.Contain("classifier.weight: checkpoint [5, 32], model [17, 32]"));
        Assert.That(model.state_dict()["distilbert.embeddings.word_embeddings.weight"].equal(before).all().item<bool>(), Is.True, "nothing copied");
    }

    [Test]
    public void PretrainedEncoderLoadIgnoresTheCheckpointsOwnClassifier()
    {
        var tensors = Safetensors.Read(TinyWeights);
        using var model = new TokenClassifier(TinyConfig, 17);
        var report = CheckpointLoader.Load(model, tensors, loadClassifier: false, "tiny");
        Assert.That(report.Ignored, Is.EqualTo(ClassifierKeys));
        Assert.That(report.Loaded, Is.EqualTo(tensors.Count - 2));
    }

    [Test]
    public void UnprefixedBareEncoderCheckpointLoads()
    {
        var tensors = Safetensors.Read(TinyWeights)
            .Where(kv => kv.Key.StartsWith("distilbert.", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key["distilbert.".Length..], kv => kv.Value);
        tensors["embeddings.position_ids"] = new SafetensorsEntry("p", "F32", [1], [0]);
        using var model = new TokenClassifier(TinyConfig, 17);
        var report = CheckpointLoader.Load(model, tensors, loadClassifier: false, "bare");
        Assert.That(report.Loaded, Is.EqualTo(tensors.Count - 1));
        Assert.That(report.Ignored, Is.EqualTo(new[] { "embeddings.position_ids" }));
    }

    [Test]
    public void AnotherFamilysHeadIsRefusedNotIgnored()
    {
        // The known heads are the family's own: BERT's pooler beside a DistilBERT encoder is a checkpoint of
        // something else, refused like any unknown key (it was ignored while the list was shared by all families).
        var tensors = Safetensors.Read(TinyWeights).ToDictionary();
        tensors["pooler.dense.bias"] = new SafetensorsEntry("p", "F32", [1], [0]);
        using var model = new TokenClassifier(TinyConfig, 5);
        var error = Assert.Throws<CheckpointMismatchException>(() => CheckpointLoader.Load(model, tensors, loadClassifier: true, "tiny"))!;
        Assert.That(error.Unexpected, Is.EqualTo(new[] { "pooler.dense.bias" }));
    }

    [Test]
    public void ConfigValidationNamesTheField()
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(TinyDir("tiny-bert"), "config.json")))!.AsObject();
        json["num_attention_heads"] = 5;
        Assert.That(() => EncoderConfig.FromJson(json), Throws.TypeOf<InvalidDataException>()
            .With.Message.Contains("hidden_size (32) must be divisible by num_attention_heads (5)"));
        json["num_attention_heads"] = 4;
        json["hidden_act"] = "relu";
        Assert.That(() => EncoderConfig.FromJson(json), Throws.TypeOf<InvalidDataException>().With.Message.Contains("hidden_act 'relu'"));
        json["model_type"] = "gpt2";
        Assert.That(() => EncoderConfig.FromJson(json), Throws.TypeOf<InvalidDataException>().With.Message.Contains("'gpt2' is not supported"));
    }

    [Test]
    public void OnnxWeightOnTheLeftOfMatMulIsRefusedEvenWhenSquare()
    {
        // y = W·x instead of x·W: the shape of a square W cannot tell the orientation, the graph can.
        var expected = new Dictionary<string, long[]> { ["q.weight"] = [2, 2], ["q.bias"] = [2] };
        var graph = new OnnxBertImporter.OnnxGraph(
            [new("MatMul", ["onnx::MatMul_1", "x"], ["y"]), new("Add", ["y", "q.bias"], ["z"])],
            new Dictionary<string, OnnxBertImporter.OnnxInitializer>
            {
                ["onnx::MatMul_1"] = new("onnx::MatMul_1", [2, 2], 1, [1, 2, 3, 4]),
                ["q.bias"] = new("q.bias", [2], 1, [0, 0]),
            });
        Assert.That(() => OnnxBertImporter.Resolve(graph, expected), Throws.TypeOf<CheckpointFormatException>()
            .With.Message.Contains("left operand of MatMul").And.Message.Contains("q.weight: not found"));
    }

    [Test]
    public void OnnxWeightsAreTransposedByTopologyAndAWronglyOrientedOneIsMisShaped()
    {
        var expected = new Dictionary<string, long[]> { ["q.weight"] = [3, 2], ["q.bias"] = [3] };
        OnnxBertImporter.OnnxGraph Graph(long[] dims) => new(
            [new("MatMul", ["x", "onnx::MatMul_1"], ["y"]), new("Add", ["q.bias", "y"], ["z"])],
            new Dictionary<string, OnnxBertImporter.OnnxInitializer>
            {
                ["onnx::MatMul_1"] = new("onnx::MatMul_1", dims, 1, [1, 2, 3, 4, 5, 6]),
                ["q.bias"] = new("q.bias", [3], 1, [0, 0, 0]),
            });
        var resolved = OnnxBertImporter.Resolve(Graph([2, 3]), expected); // stored [in, out]
        Assert.That(resolved["q.weight"].Shape, Is.EqualTo(new long[] { 3, 2 }));
        Assert.That(resolved["q.weight"].Data, Is.EqualTo(new float[] { 1, 4, 2, 5, 3, 6 }));
        Assert.That(() => OnnxBertImporter.Resolve(Graph([3, 2]), expected), Throws.TypeOf<CheckpointFormatException>()
            .With.Message.Contains("q.weight: graph gives [2, 3], model needs [3, 2]"));
    }

    [Test]
    public void RepeatedTrainingStepsLeaveTheLiveTensorCountFlat()
    {
        using var model = ModelCatalog.LoadTokenClassificationCheckpoint(TinyDir("tiny-distilbert"));
        model.train();
        var parameters = model.parameters().ToList();
        var ids = randint(1, 128, [4, 12], dtype: ScalarType.Int64);
        var mask = ones(4, 12, dtype: ScalarType.Int64);
        mask[0, 9..] = 0;
        var labels = randint(0, 5, [4, 12], dtype: ScalarType.Int64);
        var counts = new List<long>();
        for (var step = 0; step < 12; step++)
        {
            using (NewDisposeScope())
            {
                foreach (var p in parameters) p.grad?.zero_();
                var logits = model.forward(ids, mask);
                var loss = nn.functional.cross_entropy(logits.reshape(-1, 5), labels.reshape(-1), ignore_index: -100);
                loss.backward();
            }
            counts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }
        TestContext.Out.WriteLine($"live tensors after each step: {string.Join(", ", counts)}");
        Assert.That(counts.Skip(2).Distinct(), Has.Exactly(1).Items, "flat after the first steps create the gradients");
    }
}
