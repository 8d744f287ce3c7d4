using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using POSLayerFreeze.Models;
using static POSLayerFreeze.Tests.Models.ModelTestSupport;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Models;

/// <summary>
/// Each embedded encoder (all-MiniLM-L6-v2, snowflake-arctic-embed-xs): ONNX → Hugging Face names → cached
/// safetensors, then our BERT against ONNX Runtime running the very same ONNX (an independent implementation) on
/// EWT dev sentences, padded.
/// </summary>
[TestFixtureSource(nameof(Encoders))]
public class EmbeddedEncoderTests(string name)
{
    public static readonly string[] Encoders = [.. EmbeddedEncoders.All.Select(e => e.Name)];
    private const double Tolerance = 1e-4;
    private const int Sentences = 64;
    private const int BatchSize = 16;
    private static readonly string[] SixLayerUnits = ["emb", "0", "1", "2", "3", "4", "5"];
    private readonly EmbeddedEncoder encoder = EmbeddedEncoders.Find(name)!;
    private string cacheRoot = "";
    private EmbeddedEncoder.CacheResult cold = null!;
    private EmbeddedEncoder.CacheResult cached = null!;

    [OneTimeSetUp]
    public void ConvertIntoAFreshCache()
    {
        cacheRoot = TempDir();
        cold = encoder.EnsureCached(cacheRoot: cacheRoot);
        cached = encoder.EnsureCached(cacheRoot: cacheRoot);
        TestContext.Progress.WriteLine($"{name} load: cold (ONNX → safetensors) {cold.Elapsed.TotalSeconds:F2} s, cached {cached.Elapsed.TotalSeconds:F2} s");
    }

    [OneTimeTearDown]
    public void RemoveCache() => Directory.Delete(cacheRoot, recursive: true);

    [Test]
    public void FirstUseConvertsLaterUsesReadTheCache()
    {
        Assert.Multiple(() =>
        {
            Assert.That(cold.Converted, Is.True);
            Assert.That(cached.Converted, Is.False);
            Assert.That(cached.Directory, Is.EqualTo(cold.Directory));
            Assert.That(Path.GetFileName(cold.Directory), Does.Match($"^{name}-[0-9a-f]{{16}}$"));
            Assert.That(File.ReadAllText(Path.Combine(cold.Directory, "vocab.txt")), Does.Not.Contain("\r"));
            Assert.That(File.ReadAllLines(Path.Combine(cold.Directory, "vocab.txt")), Has.Length.EqualTo(30522));
            Assert.That(EncoderConfig.FromFile(Path.Combine(cold.Directory, "config.json")), Is.EqualTo(encoder.Config));
        });
    }

    [Test]
    public void CachedDirectoryLoadsStrictlyAsAnHuggingFaceBertDirectory()
    {
        var tensors = Safetensors.Read(Path.Combine(cold.Directory, "model.safetensors"));
        var expected = OnnxBertImporter.ExpectedShapes(encoder.Config);
        Assert.That(tensors.Keys.Order(StringComparer.Ordinal), Is.EqualTo(expected.Keys.Order(StringComparer.Ordinal)));
        Assert.That(tensors.Values.Sum(t => t.ElementCount), Is.InRange(22_000_000, 23_000_000));
    }

    [Test]
    public void LastHiddenStateMatchesOnnxRuntimeOnPaddedEwtDevBatches()
    {
        var onnx = encoder.ReadResources(encoder.AssemblyPath, encoder.OnnxResource)[encoder.OnnxResource];
        using var session = new InferenceSession(onnx);
        TestContext.Out.WriteLine($"ONNX inputs: {string.Join(", ", session.InputMetadata.Keys)}; outputs: {string.Join(", ", session.OutputMetadata.Keys)}");

        using var tc = new TokenClassifier(encoder.Config, 2);
        CheckpointLoader.Load(tc, Safetensors.Read(Path.Combine(cold.Directory, "model.safetensors")), loadClassifier: false, $"{name} cache");
        tc.eval();
        var sentences = ReadDevInputIds(Sentences);
        var worst = 0.0;
        var padded = 0;
        for (var start = 0; start < sentences.Count; start += BatchSize)
        {
            var batch = sentences.Skip(start).Take(BatchSize).ToList();
            var length = batch.Max(s => s.Length);
            var ids = new long[batch.Count * length];
            var mask = new long[batch.Count * length];
            for (var b = 0; b < batch.Count; b++)
            {
                for (var t = 0; t < batch[b].Length; t++)
                {
                    ids[(b * length) + t] = batch[b][t];
                    mask[(b * length) + t] = 1;
                }
                padded += batch[b].Length < length ? 1 : 0;
            }
            var shape = new[] { batch.Count, length };
            var inputs = new List<NamedOnnxValue>();
            foreach (var name in session.InputMetadata.Keys)
            {
                var values = name switch
                {
                    "input_ids" => ids,
                    "attention_mask" => mask,
                    "token_type_ids" => new long[ids.Length],
                    _ => throw new InvalidOperationException($"unexpected ONNX input {name}"),
                };
                inputs.Add(NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(values, shape)));
            }
            using var results = session.Run(inputs);
            var reference = results[0].AsTensor<float>().ToArray();

            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var ours = tc.Encoder.Encode(tensor(ids, [batch.Count, length]), tensor(mask, [batch.Count, length]));
            var oursData = ours.data<float>().ToArray();
            Assert.That(oursData, Has.Length.EqualTo(reference.Length));
            // Only real tokens: padding positions are never read downstream (and differ by masking convention).
            for (var i = 0; i < oursData.Length; i++)
            {
                if (mask[i / encoder.Config.HiddenSize] == 0) continue;
                worst = Math.Max(worst, Math.Abs(oursData[i] - reference[i]));
            }
        }
        TestContext.Out.WriteLine($"{name} vs ONNX Runtime: {sentences.Count} EWT dev sentences ({padded} padded), last hidden state max |diff| = {worst:E3}");
        Assert.Multiple(() =>
        {
            Assert.That(padded, Is.GreaterThan(Sentences / 2), "the batches exercise padding masks");
            Assert.That(worst, Is.LessThanOrEqualTo(Tolerance));
        });
    }

    [Test]
    public void ResolveGivesTheCachedDirectoryAndLowercase()
    {
        var watch = Stopwatch.StartNew();
        var source = ModelCatalog.Resolve(name);
        TestContext.Out.WriteLine($"ModelCatalog.Resolve(\"{name}\") took {watch.Elapsed.TotalSeconds:F2} s");
        Assert.Multiple(() =>
        {
            Assert.That(source.Name, Is.EqualTo(name));
            Assert.That(source.Family, Is.EqualTo("bert"));
            Assert.That(source.Lowercase, Is.True);
            Assert.That(File.Exists(source.WeightsPath) && File.Exists(source.VocabPath), Is.True);
        });
        manual_seed(7);
        using var model = ModelCatalog.CreateClassifier(source, 17);
        Assert.That(model.FreezableUnits().Select(u => u.Name), Is.EqualTo(SixLayerUnits));
    }

    private static List<long[]> ReadDevInputIds(int count)
    {
        var fixtures = Environment.GetEnvironmentVariable("POSLF_SHARED_DIR") is { Length: > 0 } shared
            ? Path.Combine(shared, "fixtures", "hf-tiny")
            : TestPaths.FixturesDir;
        var path = Path.Combine(fixtures, "ewt-dev-hf-wordpiece.jsonl.gz");
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        var result = new List<long[]>();
        while (result.Count < count && reader.ReadLine() is { } line)
        {
            var ids = JsonNode.Parse(line)!["input_ids"]!.AsArray().Select(v => v!.GetValue<long>()).ToArray();
            result.Add(ids);
        }
        return result;
    }
}

/// <summary>
/// arctic-xs reuses MiniLM's tokenizer, so Hugging Face's ids for EWT dev (the fixture the parity test feeds both
/// encoders, made with bert-base-uncased's vocabulary) are its tokenizer oracle too; its weights are its own.
/// </summary>
public class ArcticXsAgainstMiniLMTests
{
    [Test]
    public void SameVocabularyDifferentWeights()
    {
        var (minilm, arctic) = (EmbeddedEncoders.MiniLM, EmbeddedEncoders.ArcticXs);
        var minilmResources = minilm.ReadResources(minilm.AssemblyPath, minilm.OnnxResource, minilm.VocabResource);
        var arcticResources = arctic.ReadResources(arctic.AssemblyPath, arctic.OnnxResource, arctic.VocabResource);
        Assert.Multiple(() =>
        {
            Assert.That(arcticResources[arctic.VocabResource], Is.EqualTo(minilmResources[minilm.VocabResource]));
            Assert.That(arctic.Config, Is.EqualTo(minilm.Config), "same shape: arctic-embed-xs is fine-tuned from all-MiniLM-L6-v2");
            Assert.That(System.Security.Cryptography.SHA256.HashData(arcticResources[arctic.OnnxResource]),
                Is.Not.EqualTo(System.Security.Cryptography.SHA256.HashData(minilmResources[minilm.OnnxResource])));
        });
    }
}
