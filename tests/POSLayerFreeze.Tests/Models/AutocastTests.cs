using System.Text.Json.Nodes;
using POSLayerFreeze.Data;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tests.Experiments;
using POSLayerFreeze.Training;
using TorchSharp;
using static POSLayerFreeze.Tests.Models.ModelTestSupport;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Models;

/// <summary>
/// bf16 mixed precision on the tiny Hugging Face fixtures: fp32 stays what it was, bf16 really multiplies in bf16
/// (the logits move by bf16's rounding, no more), every output and gradient is fp32, and gradients reach the fp32
/// master weights. The numbers hold where libtorch emulates bf16 too (CPUs without AVX512-BF16), only slower.
/// </summary>
public class AutocastTests
{
    private static TokenClassifier Tiny(string fixture)
    {
        var dir = TinyDir(fixture);
        var model = new TokenClassifier(EncoderConfig.FromFile(Path.Combine(dir, "config.json")), 5);
        CheckpointLoader.Load(model, Safetensors.Read(Path.Combine(dir, "model.safetensors")), loadClassifier: true, fixture);
        return model;
    }

    private static (Tensor Ids, Tensor Mask) Batch(TokenClassifier model)
    {
        manual_seed(11);
        var ids = randint(1, model.Config.VocabSize, [3, 9], dtype: ScalarType.Int64);
        var mask = tensor(new long[,] { { 1, 1, 1, 1, 1, 1, 1, 1, 1 }, { 1, 1, 1, 1, 1, 1, 0, 0, 0 }, { 1, 1, 1, 0, 0, 0, 0, 0, 0 } });
        return (ids, mask);
    }

    [Test]
    public void Outside_a_bf16_region_a_linear_layer_is_its_own_call_bit_for_bit()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var layer = nn.Linear(16, 8);
        var x = randn(4, 16);
        Assert.That(Autocast.IsBf16, Is.False);
        Assert.That(Autocast.Linear(layer, x).equal(layer.call(x)).all().item<bool>(), Is.True);
        using (Autocast.Enter(Precision.Bf16))
        {
            using (Autocast.Enter(Precision.Fp32)) Assert.That(Autocast.IsBf16, Is.False, "an inner fp32 region wins");
            Assert.That(Autocast.IsBf16, Is.True, "leaving the inner region restores bf16");
        }
        Assert.That(Autocast.IsBf16, Is.False);
    }

    [TestCase("tiny-distilbert")]
    [TestCase("tiny-bert")]
    public void Bf16_logits_are_fp32_and_differ_from_fp32_by_bf16_rounding_only(string fixture)
    {
        using var model = Tiny(fixture);
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (ids, mask) = Batch(model);
        var fp32 = model.call(ids, mask);
        model.Precision = Precision.Bf16;
        var bf16 = model.call(ids, mask);
        var difference = (bf16 - fp32).abs().max().item<float>();
        var scale = fp32.abs().max().item<float>();
        Assert.Multiple(() =>
        {
            Assert.That(bf16.dtype, Is.EqualTo(ScalarType.Float32));
            Assert.That(difference, Is.GreaterThan(0f), "bf16 matmuls round differently from fp32 ones");
            // bf16 keeps 8 significant bits (relative rounding 2^-9 ≈ 0.002 per value); a few layers compound it.
            Assert.That(difference, Is.LessThan(0.05f * scale), $"max |bf16 − fp32| {difference} of a scale {scale}");
            Assert.That(Autocast.IsBf16, Is.False, "the model's region ends with its forward");
        });
    }

    [TestCase("tiny-distilbert")]
    [TestCase("tiny-bert")]
    public void Bf16_gradients_reach_every_fp32_master_weight_in_fp32(string fixture)
    {
        using var model = Tiny(fixture);
        model.eval();   // no dropout: the two passes see the same function
        using var scope = NewDisposeScope();
        var (ids, mask) = Batch(model);
        Tensor[] Gradients(Precision precision)
        {
            model.Precision = precision;
            model.zero_grad();
            model.call(ids, mask).square().mean().backward();
            return model.parameters().Select(p => p.grad!.clone()).ToArray();
        }
        var fp32 = Gradients(Precision.Fp32);
        var bf16 = Gradients(Precision.Bf16);
        var names = model.named_parameters().Select(p => p.name).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(model.parameters().All(p => p.dtype == ScalarType.Float32), Is.True, "master weights stay fp32");
            for (var i = 0; i < fp32.Length; i++)
            {
                Assert.That(bf16[i].dtype, Is.EqualTo(ScalarType.Float32), names[i]);
                var cosine = (fp32[i] * bf16[i]).sum().item<float>() / (fp32[i].norm().item<float>() * bf16[i].norm().item<float>() + 1e-20f);
                if (fp32[i].norm().item<float>() > 1e-6f) Assert.That(cosine, Is.GreaterThan(0.99f), $"{names[i]}: gradient direction");
            }
        });
    }

    [Test]
    public void Native_bf16_flags_are_read_from_cpuinfo_and_their_absence_is_refused_in_one_line()
    {
        string[] Flags(string line) => [.. Bf16Support.CpuFlags(["processor\t: 0", line, "flags\t\t: ignored second line avx512_bf16"])];
        Assert.Multiple(() =>
        {
            Assert.That(Flags("flags\t\t: fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni"), Is.EqualTo(new[] { "avx512_bf16" }));
            Assert.That(Flags("flags\t\t: fpu avx512f amx_bf16 amx_tile avx512_bf16"), Is.EqualTo(new[] { "avx512_bf16", "amx_bf16" }));
            Assert.That(Flags("Features\t: fp asimd sve bf16 i8mm"), Is.EqualTo(new[] { "bf16" }));
            Assert.That(Flags("flags\t\t: fpu sse2 avx2 avx512f avx512bw"), Is.Empty);
            Assert.That(Bf16Support.CpuFlags([]), Is.Empty);
            Assert.That(Bf16Support.Refusal(CPU, ["avx512_bf16"]), Is.Null);
            var refusal = Bf16Support.Refusal(CPU, []);
            Assert.That(refusal, Does.StartWith("bf16 needs a CPU with native bfloat16 matmuls"));
            Assert.That(refusal, Does.Not.Contain("\n"));
        });
    }

    [Test]
    public void Precision_appears_in_the_hashed_profile_only_when_it_is_bf16()
    {
        var bf16 = ProfileFile.Apply(TrainingProfile.Smoke, new ProfileOverrides(Precision: Precision.Bf16));
        Assert.Multiple(() =>
        {
            Assert.That(TrainingProfile.Smoke.ToJson().ContainsKey("precision"), Is.False, "fp32 runs keep their inputs hash");
            Assert.That(TrainingProfile.Full.ToJson().ContainsKey("precision"), Is.False);
            Assert.That(bf16.Name, Is.EqualTo("smoke+bf16"));
            Assert.That(bf16.ToJson()["precision"]!.GetValue<string>(), Is.EqualTo("bf16"));
            Assert.That(ProfileFile.Apply(TrainingProfile.Smoke, new ProfileOverrides(Precision: Precision.Fp32)), Is.SameAs(TrainingProfile.Smoke));
            var file = Invariant.ToJson(ProfileFile.ToFileJson(bf16 with { Name = "mine" }));
            Assert.That(ProfileFile.Parse(file, "mine.json").Precision, Is.EqualTo(Precision.Bf16), "a profile file carries it");
            var bad = Assert.Throws<InvalidDataException>(() => ProfileFile.Parse(file.Replace("\"bf16\"", "\"fp16\"", StringComparison.Ordinal), "mine.json"))!;
            Assert.That(bad.Message, Does.StartWith("mine.json:").And.EndWith("field 'precision' must be \"fp32\" or \"bf16\""));
        });
    }

    [Test]
    public void A_fingerprint_names_bf16_and_one_without_precision_reads_back_as_before()
    {
        var fp32 = new PlatformFingerprint("cpu", "cpu", "0.107.0", "2.10.0", "avx512", 2);
        var bf16 = fp32 with { Precision = "bf16" };
        Assert.Multiple(() =>
        {
            Assert.That(fp32.ToJson().ContainsKey("precision"), Is.False);
            Assert.That(PlatformFingerprint.FromJson(fp32.ToJson()), Is.EqualTo(fp32));
            Assert.That(PlatformFingerprint.FromJson(bf16.ToJson()), Is.EqualTo(bf16));
            Assert.That(bf16, Is.Not.EqualTo(fp32), "a bf16 golden never compares exactly with an fp32 run");
            Assert.That(fp32.Differences(bf16), Is.EqualTo(new[] { "precision: fp32 ≠ bf16" }));
            Assert.That(bf16.Describe(), Does.EndWith(", bf16 matmuls"));
        });
    }
}

/// <summary>A bf16 run's saved tagger says so, and tags in bf16 when loaded.</summary>
public class Bf16TaggerCheckpointTests : TinyTorchFixture
{
    [Test]
    public void A_bf16_tagger_is_saved_with_its_precision_and_loads_back_in_bf16()
    {
        var dir = TinyWorld.TempDir("source-bf16");
        foreach (var file in new[] { "config.json", "model.safetensors" })
            File.Copy(Path.Combine(TinyDir("tiny-bert"), file), Path.Combine(dir, file));
        File.WriteAllLines(Path.Combine(dir, "vocab.txt"), TinyWorld.Vocabulary());
        var source = ModelCatalog.Resolve(dir);
        using var model = ModelCatalog.CreateClassifier(source, Upos.Count);
        var fp32Dir = TinyWorld.TempDir("saved-fp32");
        TaggerCheckpoint.Save(model, source, maxLength: 16, fp32Dir);
        model.Precision = Precision.Bf16;
        var bf16Dir = TinyWorld.TempDir("saved-bf16");
        TaggerCheckpoint.Save(model, source, maxLength: 16, bf16Dir);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(bf16Dir, TaggerCheckpoint.ConfigFile)))!;
        Assert.Multiple(() =>
        {
            Assert.That(JsonNode.Parse(File.ReadAllText(Path.Combine(fp32Dir, TaggerCheckpoint.ConfigFile)))![TaggerCheckpoint.PrecisionKey], Is.Null);
            Assert.That(config[TaggerCheckpoint.PrecisionKey]!.GetValue<string>(), Is.EqualTo("bf16"));
            using (var fp32 = TaggerCheckpoint.Load(fp32Dir)) Assert.That(fp32.Model.Precision, Is.EqualTo(Precision.Fp32));
            if (Bf16Support.Refusal(CPU) is null)
            {
                using var loaded = TaggerCheckpoint.Load(bf16Dir);
                Assert.That(loaded.Model.Precision, Is.EqualTo(Precision.Bf16));
            }
            else
            {
                Assert.That(() => TaggerCheckpoint.Load(bf16Dir), Throws.InvalidOperationException.With.Message.Contains("a tagger trained in bf16 tags in bf16"));
            }
        });
    }
}
