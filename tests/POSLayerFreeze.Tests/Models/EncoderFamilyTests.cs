using System.Text.Json.Nodes;
using POSLayerFreeze.Models;
using static POSLayerFreeze.Tests.Models.ModelTestSupport;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Models;

/// <summary>
/// The family descriptors against what they describe: the config record's fields are Hugging Face's names, the
/// tensors a descriptor says the config sizes exist in the module it builds with those sizes, the prefix is where
/// the module sits in the classifier, and every error names config.json's field.
/// </summary>
public class EncoderFamilyTests
{
    private static IEnumerable<TestCaseData> Families() => EncoderFamilies.All.Select(f => new TestCaseData(f).SetArgDisplayNames(f.ModelType));

    /// <summary>A small config of the family, read the way config.json is read.</summary>
    private static EncoderConfig Small(EncoderFamily family) => family.ModelType switch
    {
        "distilbert" => EncoderConfig.FromFile(Path.Combine(TinyDir("tiny-distilbert"), "config.json")),
        "bert" => EncoderConfig.FromFile(Path.Combine(TinyDir("tiny-bert"), "config.json")),
        "roberta" => EncoderConfig.FromFile(Path.Combine(TinyDir("tiny-roberta"), "config.json")),
        "xlm-roberta" => EncoderConfig.FromFile(Path.Combine(TinyDir("tiny-xlm-roberta"), "config.json")),
        _ => throw new AssertionException($"no tiny fixture for {family.ModelType}: add one with the family"),
    };

    [Test]
    public void Each_model_type_has_one_family()
    {
        var types = EncoderFamilies.All.Select(f => f.ModelType).ToArray();
        Assert.That(types, Is.Unique);
        // XLM-R is the one family that saves under another's name: XLMRobertaForTokenClassification's encoder is "roberta".
        Assert.That(EncoderFamilies.All.Where(f => f != XlmRobertaFamily.Instance).Select(f => f.CheckpointPrefix), Is.Unique);
        Assert.That(XlmRobertaFamily.Instance.CheckpointPrefix, Is.EqualTo(RobertaFamily.Instance.CheckpointPrefix));
        foreach (var family in EncoderFamilies.All) Assert.That(EncoderFamilies.Find(family.ModelType), Is.SameAs(family));
        Assert.That(EncoderFamilies.Find("gpt2"), Is.Null);
    }

    [TestCaseSource(nameof(Families))]
    public void The_sized_tensors_exist_in_the_module_with_the_sizes_the_config_gives(EncoderFamily family)
    {
        var config = Small(family);
        using var model = new TokenClassifier(config, 5);
        var shapes = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        var sized = family.EmbeddingSizes(config).Concat(Enumerable.Range(0, config.NumLayers).SelectMany(l => family.LayerSizes(config, l))).ToArray();
        Assert.That(sized, Is.Not.Empty);
        foreach (var s in sized)
        {
            var key = family.CheckpointPrefix + "." + s.Key;
            Assert.That(shapes, Contains.Key(key), "the encoder sits under the family's prefix");
            Assert.That(shapes[key][s.Dimension], Is.EqualTo(s.Value), key);
            Assert.That(config.ToJsonObject()[s.Field]!.GetValue<int>(), Is.EqualTo(s.Value), $"{s.Field} is the config field that sizes {s.Key}");
        }
        var layers = shapes.Keys.Where(k => k.StartsWith(family.CheckpointPrefix + "." + family.Layers.KeyPrefix, StringComparison.Ordinal)).ToArray();
        Assert.That(layers, Is.Not.Empty);
        Assert.That(config.ToJsonObject()[family.Layers.Field]!.GetValue<int>(), Is.EqualTo(config.NumLayers));
        Assert.That(model.named_parameters().First().name, Does.StartWith(family.CheckpointPrefix + "."), "encoder first, then the head");
        Assert.That(model.named_parameters().Select(p => p.name).TakeLast(2), Is.EqualTo(new[] { "classifier.weight", "classifier.bias" }));
    }

    [TestCaseSource(nameof(Families))]
    public void The_config_reads_back_equal_and_names_only_hugging_face_fields(EncoderFamily family)
    {
        var config = Small(family);
        var saved = config.ToJsonObject();
        Assert.That(EncoderConfig.FromJson(saved), Is.EqualTo(config));
        var fixture = JsonNode.Parse(File.ReadAllText(Path.Combine(TinyDir("tiny-" + family.ModelType), "config.json")))!.AsObject();
        // Every saved field is one Hugging Face wrote, with the value it wrote; position_embedding_type is BertConfig's
        // in transformers 4 (gone from 5, which wrote the fixture), kept so saved configs keep their bytes.
        foreach (var (field, value) in saved)
        {
            if (field == "position_embedding_type" && !fixture.ContainsKey(field)) continue;
            Assert.That(fixture, Contains.Key(field), $"'{field}' is not a field of Hugging Face's {family.ModelType} config");
            var expected = fixture[field];
            if (value is JsonValue number && number.GetValueKind() == System.Text.Json.JsonValueKind.Number)
                Assert.That(double.Parse(number.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture),
                    Is.EqualTo(double.Parse(expected!.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture)), field);
            else
                Assert.That(value?.ToJsonString(), Is.EqualTo(expected?.ToJsonString()), field);
        }
    }

    [Test]
    public void The_saved_fields_are_the_ones_results_have_always_recorded()
    {
        // model_config in metrics.json and the embedded model's config.json (whose hash is part of the model identity,
        // hence of every run's inputs hash) are written from these keys: adding or renaming one changes them.
        Assert.That(new DistilBertConfig().ToJsonObject().Select(kv => kv.Key), Is.EquivalentTo(new[]
        {
            "model_type", "vocab_size", "dim", "n_layers", "n_heads", "hidden_dim", "max_position_embeddings", "dropout",
            "attention_dropout", "activation", "pad_token_id", "sinusoidal_pos_embds", "initializer_range",
        }));
        Assert.That(BertConfig.MiniLmL6.ToJsonObject().Select(kv => kv.Key), Is.EquivalentTo(new[]
        {
            "model_type", "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
            "max_position_embeddings", "type_vocab_size", "hidden_dropout_prob", "attention_probs_dropout_prob", "layer_norm_eps",
            "hidden_act", "pad_token_id", "position_embedding_type", "initializer_range", "classifier_dropout",
        }));
    }

    [TestCase("distilbert", "dim", "\"32\"", "x/config.json: field 'dim' must be an integer, found \"32\"")]
    [TestCase("distilbert", "dim", "null", "x/config.json: field 'dim' must not be null")]
    [TestCase("distilbert", "n_layers", "0", "x/config.json: n_layers must be positive, got 0")]
    [TestCase("distilbert", "dim", "30", "x/config.json: dim (30) must be divisible by n_heads (4)")]
    [TestCase("distilbert", "attention_dropout", "1.5", "x/config.json: attention_dropout must be in [0, 1), got 1.5")]
    [TestCase("distilbert", "sinusoidal_pos_embds", "true", "x/config.json: sinusoidal_pos_embds = true is not supported")]
    [TestCase("distilbert", "activation", "\"relu\"", "x/config.json: activation 'relu' is not supported (gelu)")]
    [TestCase("distilbert", "pad_token_id", "128", "x/config.json: pad_token_id 128 outside the vocabulary")]
    [TestCase("bert", "intermediate_size", "-1", "x/config.json: intermediate_size must be positive, got -1")]
    [TestCase("bert", "position_embedding_type", "\"relative_key\"", "x/config.json: position_embedding_type 'relative_key' is not supported (absolute)")]
    [TestCase("bert", "is_decoder", "true", "x/config.json: is_decoder = true is not supported")]
    [TestCase("bert", "is_decoder", "1", "x/config.json: field 'is_decoder' must be true or false, found 1")]
    [TestCase("bert", "layer_norm_eps", "0.1", "x/config.json: layer_norm_eps must be in (0, 1e-3)")]
    [TestCase("bert", "model_type", "\"gpt2\"", "x/config.json: model_type 'gpt2' is not supported (distilbert, bert, roberta, xlm-roberta)")]
    public void A_bad_field_is_refused_naming_the_file_and_the_field(string family, string field, string json, string message)
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(TinyDir("tiny-" + family), "config.json")))!.AsObject();
        config[field] = JsonNode.Parse(json);
        Assert.That(() => EncoderConfig.FromJson(config, "x/config.json"), Throws.TypeOf<InvalidDataException>().With.Message.EqualTo(message));
    }

    [Test]
    public void Absent_fields_take_hugging_faces_defaults()
    {
        Assert.That(EncoderConfig.FromJson(new JsonObject { ["model_type"] = "distilbert" }), Is.EqualTo(new DistilBertConfig()));
        var bert = (BertConfig)EncoderConfig.FromJson(new JsonObject { ["model_type"] = "bert" });
        Assert.That((bert.HiddenSize, bert.NumHiddenLayers, bert.IntermediateSize, bert.LayerNormEps, bert.ClassifierDropout),
            Is.EqualTo((768, 12, 3072, 1e-12, (double?)null)));
    }

    [Test]
    public void Field_names_are_the_parameters_in_snake_case()
    {
        Assert.That(new[] { "nLayers", "NLayers", "vocabSize", "attentionProbsDropoutProb", "dim" }.Select(EncoderConfig.FieldName),
            Is.EqualTo(new[] { "n_layers", "n_layers", "vocab_size", "attention_probs_dropout_prob", "dim" }));
    }

    [TestCaseSource(nameof(Families))]
    public void A_config_of_another_family_is_refused_by_the_descriptor(EncoderFamily family)
    {
        var other = EncoderFamilies.All.First(f => f != family);
        Assert.That(() => family.CreateEncoder(Small(other)), Throws.ArgumentException.With.Message.Contains(family.ModelType));
    }
}
