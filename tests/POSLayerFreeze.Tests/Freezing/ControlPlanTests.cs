using POSLayerFreeze.Data;
using POSLayerFreeze.Evaluation;
using POSLayerFreeze.Freezing;
using POSLayerFreeze.Models;
using POSLayerFreeze.Reporting;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tests.Experiments;
using POSLayerFreeze.Tests.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Freezing;

/// <summary>
/// The control plans (issue 26): their names in the one grammar, <c>drop-top-K</c>'s surgery and <c>random-init</c>'s
/// re-initialisation by Hugging Face's rule (statistics on a model large enough to measure them), for both families.
/// </summary>
public class ControlPlanTests : TinyTorchFixture
{
    [TestCase("random-init", FreezeKind.RandomInit, 0)]
    [TestCase("drop-top-1", FreezeKind.DropTop, 1)]
    [TestCase("drop-top-11", FreezeKind.DropTop, 11)]
    public void A_control_name_reads_back_as_its_kind(string name, FreezeKind kind, int dropped)
    {
        var plan = FreezePlanName.TryRead(name)!;
        Assert.That((plan.Kind, plan.DroppedLayers, plan.IsControlKind, plan.Units.Count), Is.EqualTo((kind, dropped, true, 0)));
        Assert.That(plan.Name, Is.EqualTo(name));
        Assert.That(FreezePlanName.TryRead("slpf-1")!.IsControlKind, Is.False);
    }

    [TestCase("drop-top-0", "'0' is not a number of layers to drop")]
    [TestCase("drop-top-", "'' is not a number of layers to drop")]
    [TestCase("drop-top-x", "'x' is not a number of layers to drop")]
    [TestCase("drop-top-6", "Freeze plan 'drop-top-6': drops 6 of the model's 6 layers; K must be 1..5 so that a layer remains.")]
    [TestCase("drop-top-7", "drops 7 of the model's 6 layers")]
    public void A_bad_control_is_one_line_naming_the_plan(string name, string message)
    {
        Assert.That(() => FreezePlan.Parse(name, 6), Throws.TypeOf<FormatException>().With.Message.Contains(message));
        Assert.That(FreezePlan.Parse(" Drop-Top-5 ", 6).Name, Is.EqualTo("drop-top-5"));
    }

    [Test]
    public void Controls_freeze_nothing_and_record_what_they_do()
    {
        var drop = FreezePlan.Parse("drop-top-2", 6);
        Assert.That(drop.FrozenUnits, Is.Empty);
        Assert.That(drop.Control, Is.EqualTo(new ControlPlan(FreezeKind.DropTop, 6, 2)));
        Assert.That(drop.Control!.Record(42, 0.02), Is.EqualTo(new ControlRecord("drop-top-2", 6, 4)));
        var random = FreezePlan.Parse("random-init", 6).Control!.Record(42, 0.02);
        Assert.That((random.Plan, random.KeptLayers, random.Init!.Seed, random.Init.InitializerRange), Is.EqualTo(("random-init", 6, 42L, 0.02)));
        Assert.That(FreezePlan.Parse("slpf-1", 6).Control, Is.Null);
    }

    [TestCase("tiny-bert")]
    [TestCase("tiny-distilbert")]
    public void Drop_top_keeps_every_lower_weight_and_the_head_and_says_its_depth(string fixture)
    {
        using var full = Create(fixture, 42);
        var before = full.state_dict().ToDictionary(kv => kv.Key, kv => Values(kv.Value));
        var plan = FreezePlan.Parse("drop-top-1", full.Config.NumLayers);
        Assert.That(() => plan.Apply(full), Throws.ArgumentException.With.Message.Contains("prepare it"), "an unprepared model is refused");

        using var dropped = plan.Prepare(full, seed: 42);
        Assert.That((dropped.Config.NumLayers, dropped.FreezableUnits().Count), Is.EqualTo((1, 2)));
        var layerField = dropped.Config.Family.Layers.Field;
        Assert.That(dropped.Config.ToJsonObject()[layerField]!.GetValue<int>(), Is.EqualTo(1));
        var after = dropped.state_dict().ToDictionary(kv => kv.Key, kv => Values(kv.Value));
        Assert.That(after.Keys, Is.EquivalentTo(before.Keys.Where(k => !k.Contains(".layer.1.", StringComparison.Ordinal))));
        foreach (var (key, values) in after) Assert.That(values, Is.EqualTo(before[key]), key);
        Assert.That(plan.Apply(dropped).Sum(p => p.numel()), Is.EqualTo(dropped.parameters().Sum(p => p.numel())), "nothing frozen");
        using var ids = tensor(new long[] { 2, 5, 7, 3 }).unsqueeze(0);
        using var mask = ones_like(ids);
        using var logits = dropped.forward(ids, mask);
        Assert.That(logits.shape, Is.EqualTo(new long[] { 1, 4, Upos.Count }));
    }

    [Test]
    public void Drop_top_leaves_the_global_generator_where_it_was()
    {
        using var a = Create("tiny-bert", 42);
        using var next = rand(4);
        using var b = FreezePlan.Parse("drop-top-1", 2).Prepare(Create("tiny-bert", 42), 42);
        using var afterSurgery = rand(4);
        Assert.That(Values(afterSurgery), Is.EqualTo(Values(next)), "dropout after a drop-top draws what it would after the full model");
    }

    /// <summary>
    /// Hugging Face's rule, measured on models built for it (hidden 128, FFN 512, vocabulary 1,000: 262k Linear and
    /// 150k embedding draws, so the sample σ is within 0.2% of the true one): means near 0, σ = initializer_range,
    /// the padding row, LayerNorms and biases exact, the head untouched, the draws seeded and device-free.
    /// </summary>
    [TestCase("bert")]
    [TestCase("distilbert")]
    public void Random_init_follows_Hugging_Faces_rule(string family)
    {
        const double std = 0.05;
        using var model = new TokenClassifier(Config(family, std), Upos.Count);
        var headBefore = model.ClassifierParameters().Select(Values).ToArray();
        using var generatorBefore = get_rng_state();
        FreezePlan.Parse("random-init", 2).Prepare(model, seed: 7);
        using var generatorAfter = get_rng_state();
        Assert.That(generatorAfter.data<byte>().ToArray(), Is.EqualTo(generatorBefore.data<byte>().ToArray()), "a generator of its own: the global one (dropout) is untouched");
        Assert.That(model.ClassifierParameters().Select(Values), Is.EqualTo(headBefore), "the head stays as the run drew it");

        var encoder = (nn.Module)model.Encoder;
        var linear = new List<float>();
        var embedding = new List<float>();
        foreach (var (name, module) in encoder.named_modules())
        {
            switch (module)
            {
                case Linear l:
                    linear.AddRange(Values(l.weight!));
                    Assert.That(Values(l.bias!), Is.All.EqualTo(0f), name);
                    break;
                case Embedding e:
                    var rows = Values(e.weight!);
                    var width = (int)e.weight!.shape[1];
                    var padded = name == "embeddings.word_embeddings";
                    Assert.That(rows.Take(width), padded ? Is.All.EqualTo(0f) : Has.Some.Not.EqualTo(0f), $"{name}: row pad_token_id = 0");
                    embedding.AddRange(padded ? rows.Skip(width) : rows);
                    break;
                case LayerNorm n:
                    Assert.That(Values(n.weight!), Is.All.EqualTo(1f), name);
                    Assert.That(Values(n.bias!), Is.All.EqualTo(0f), name);
                    break;
            }
        }
        foreach (var (kind, draws) in new[] { ("linear", linear), ("embedding", embedding) })
        {
            var stats = MeanSd.Of(draws.Select(v => (double)v).ToArray());
            Assert.That(Math.Abs(stats.Mean), Is.LessThan(5 * std / Math.Sqrt(draws.Count)), $"{kind} mean");
            Assert.That(stats.Sd / std, Is.EqualTo(1.0).Within(0.01), $"{kind} σ");
        }

        using var same = new TokenClassifier(Config(family, std), Upos.Count);
        EncoderSurgery.Reinitialize(same, 7);
        using var other = new TokenClassifier(Config(family, std), Upos.Count);
        EncoderSurgery.Reinitialize(other, 8);
        var drawn = model.state_dict().Where(kv => !kv.Key.StartsWith("classifier.", StringComparison.Ordinal)).ToArray();
        Assert.That(drawn.All(kv => Values(kv.Value).SequenceEqual(Values(same.state_dict()[kv.Key]))), Is.True, "the seed decides every draw");
        Assert.That(Values(other.state_dict()[drawn[0].Key]), Is.Not.EqualTo(Values(drawn[0].Value)), "another seed, other draws");
    }

    /// <summary>
    /// Each family's <see cref="EncoderFamily.PaddedEmbeddings"/> names exactly the embeddings built with padding_idx:
    /// a freshly constructed Embedding draws N(0, 1) everywhere except its padding row, which libtorch zeroes.
    /// </summary>
    [TestCase("tiny-bert")]
    [TestCase("tiny-distilbert")]
    public void A_family_declares_exactly_its_embeddings_with_a_padding_row(string fixture)
    {
        var config = EncoderConfig.FromFile(Path.Combine(ModelTestSupport.TinyDir(fixture), "config.json"));
        using var encoder = config.Family.CreateEncoder(config);
        var withZeroPadRow = encoder.named_modules().Where(m => m.module is Embedding e && Values(e.weight![config.PadTokenId]).All(v => v == 0))
            .Select(m => m.name);
        Assert.That(withZeroPadRow, Is.EquivalentTo(config.Family.PaddedEmbeddings));
    }

    [Test]
    public void Reports_put_the_controls_after_every_freeze_plan_and_freezing_claims_ignore_them()
    {
        string[] names = ["drop-top-2", "random-init", "all", "baseline", "drop-top-1", "clpf-0+1", "slpf-0"];
        Assert.That(names.OrderBy(Aggregation.OrderKey).ThenBy(n => n, StringComparer.Ordinal),
            Is.EqualTo(new[] { "baseline", "slpf-0", "clpf-0+1", "all", "random-init", "drop-top-1", "drop-top-2" }));
        Assert.That(names.Where(Aggregation.IsControl), Is.EquivalentTo(new[] { "drop-top-2", "random-init", "drop-top-1" }));

        ConfigSummary Summary(string config, double accuracy) => new(config, [], 1, [42], MeanSd.Of([accuracy]), MeanSd.Of([accuracy]),
            MeanSd.Of([accuracy]), MeanSd.Of([1.0]), null);
        var claims = Claims.Of([Summary("baseline", 0.9), Summary("all", 0.6), Summary("random-init", 0.3), Summary("drop-top-2", 0.5)]);
        var worst = claims.Single(c => c.Id == "all-frozen-worst");
        Assert.That((worst.Holds, worst.Compared[1]), Is.EqualTo((true, "baseline")), "a random encoder is no rival of freezing everything");
    }

    private static TokenClassifier Create(string fixture, long seed)
    {
        var dir = ModelTestSupport.TinyDir(fixture);
        var config = EncoderConfig.FromFile(Path.Combine(dir, "config.json"));
        var source = new ModelSource(fixture, dir, config, Path.Combine(dir, "config.json"), Path.Combine(dir, "model.safetensors"),
            VocabPath: "", Tokenizer: POSLayerFreeze.Tokenization.BertTokenizerSettings.Uncased);
        TorchRuntime.Seed(seed);
        return ModelCatalog.CreateClassifier(source, Upos.Count);
    }

    private static EncoderConfig Config(string family, double std) => family == "bert"
        ? new BertConfig(vocabSize: 1000, hiddenSize: 128, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 512,
            maxPositionEmbeddings: 64, padTokenId: 0, initializerRange: std)
        : new DistilBertConfig(vocabSize: 1000, dim: 128, nLayers: 2, nHeads: 4, hiddenDim: 512, maxPositionEmbeddings: 64,
            padTokenId: 0, initializerRange: std);

    private static float[] Values(Tensor t) => t.detach().to(CPU).contiguous().data<float>().ToArray();
}
