using System.Text.Json.Nodes;
using POSLayerFreeze.Models;
using static POSLayerFreeze.Tests.Models.ModelTestSupport;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Models;

/// <summary>
/// RoBERTa and XLM-R against an independent PyTorch implementation (eng/roberta-oracle/make_fixtures.py, float64) on
/// tiny random checkpoints read from pytorch_model.bin: every hidden state and the logits within 1e-5, on rows with
/// right, left and no padding and with pad ids inside the attention mask (positions come from the ids: a rule that
/// counted the mask, or BERT's 0..T−1, misses those rows).
/// </summary>
public class RobertaTests
{
    private const double Tolerance = 1e-5;

    [TestCase("tiny-roberta")]
    [TestCase("tiny-xlm-roberta")]
    public void Logits_and_every_hidden_state_match_the_pytorch_oracle(string fixture)
    {
        var dir = TinyDir(fixture);
        var diffs = ReferenceParity.AgainstExpected(dir, CPU);
        var layers = EncoderConfig.FromFile(Path.Combine(dir, "config.json")).NumLayers;
        Assert.That(diffs, Has.Count.EqualTo(2 + layers), "logits, embeddings output, one per layer");
        foreach (var (name, diff) in diffs) TestContext.Out.WriteLine($"{fixture} {name}: max |diff| = {diff:E3}");
        Assert.That(diffs.Select(d => d.MaxAbsDiff), Has.All.LessThanOrEqualTo(Tolerance));
    }

    [Test]
    public void The_same_weights_in_bert_with_its_positions_0_to_T_miss_the_oracle()
    {
        // RoBERTa is BERT's layers with other positions: the check must see the difference. The tiny RoBERTa's tensors
        // loaded into a BERT of the same shape (positions 0..T-1) are far off from the first hidden state on.
        var dir = TinyDir("tiny-roberta");
        var roberta = (RobertaConfig)EncoderConfig.FromFile(Path.Combine(dir, "config.json"));
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "expected.json")))!.AsObject();
        var tensors = CheckpointFile.Read(Path.Combine(dir, "pytorch_model.bin"))
            .ToDictionary(kv => kv.Key.StartsWith("roberta.", StringComparison.Ordinal) ? "bert." + kv.Key["roberta.".Length..] : kv.Key, kv => kv.Value);
        using var bert = new TokenClassifier(roberta.LayerConfig, 5);
        CheckpointLoader.Load(bert, tensors, loadClassifier: true, "renamed");
        var diffs = ReferenceParity.Compare(bert, expected, CPU);
        TestContext.Out.WriteLine($"BERT positions: embeddings max |diff| = {diffs[1].MaxAbsDiff:E3}, logits {diffs[0].MaxAbsDiff:E3}");
        Assert.That(diffs.Select(d => d.MaxAbsDiff), Has.All.GreaterThan(100 * Tolerance));
    }

    [TestCase("tiny-roberta", "RobertaForTokenClassification", TokenizerKind.ByteLevelBpe)]
    [TestCase("tiny-xlm-roberta", "XLMRobertaForTokenClassification", TokenizerKind.Unigram)]
    public void The_family_follows_model_type_and_keeps_hugging_faces_names(string fixture, string architecture, TokenizerKind tokenizer)
    {
        var dir = TinyDir(fixture);
        var config = EncoderConfig.FromFile(Path.Combine(dir, "config.json"));
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!.AsObject();
        Assert.That((config.Family.TokenClassificationArchitecture, config.Family.Tokenizer), Is.EqualTo((architecture, tokenizer)));
        Assert.That(config.ModelType, Is.EqualTo(json["model_type"]!.GetValue<string>()));
        using var model = new TokenClassifier(config, 5);
        var ours = model.state_dict().Keys.ToHashSet(StringComparer.Ordinal);
        var header = CheckpointFile.ReadHeader(Path.Combine(dir, "pytorch_model.bin")).Select(e => e.Name).ToArray();
        var theirs = header.Where(k => !(k.StartsWith("roberta.", StringComparison.Ordinal) && config.Family.IsKnownUnused(k["roberta.".Length..])))
            .ToHashSet(StringComparer.Ordinal);
        Assert.That(ours, Is.EquivalentTo(theirs));
        // The XLM-R fixture carries what older checkpoints did (position-id buffer, pooler): known, so ignored.
        Assert.That(header.Length - theirs.Count, Is.EqualTo(fixture == "tiny-xlm-roberta" ? 3 : 0));
    }

    [Test]
    public void Windows_hold_max_position_embeddings_minus_the_positions_before_the_first_token()
    {
        var config = (RobertaConfig)EncoderConfig.FromJson(new JsonObject { ["model_type"] = "roberta", ["max_position_embeddings"] = 514 });
        Assert.That(config.MaxPositions, Is.EqualTo(512));
        using var model = new RobertaModel(new RobertaConfig(vocabSize: 10, hiddenSize: 8, numHiddenLayers: 1, numAttentionHeads: 2,
            intermediateSize: 8, maxPositionEmbeddings: 6));
        model.eval();
        using var noGrad = no_grad();
        // Positions 2..5 for four real tokens: the largest window fits, one more token would index past the table.
        Assert.That(model.Embed(full(new long[] { 1, 4 }, 5L, ScalarType.Int64)).shape, Is.EqualTo(new long[] { 1, 4, 8 }));
        Assert.That(() => model.Embed(full(new long[] { 1, 5 }, 5L, ScalarType.Int64)), Throws.Exception);
    }

    [Test]
    public void Hugging_faces_class_defaults_apply_and_xlm_r_has_its_own_vocab_size()
    {
        var roberta = (RobertaConfig)EncoderConfig.FromJson(new JsonObject { ["model_type"] = "roberta" });
        var xlm = (RobertaConfig)EncoderConfig.FromJson(new JsonObject { ["model_type"] = "xlm-roberta" });
        Assert.That((roberta.VocabSize, roberta.PadTokenId, roberta.MaxPositionEmbeddings, roberta.TypeVocabSize, roberta.LayerNormEps),
            Is.EqualTo((50265, 1, 512, 2, 1e-12)));
        Assert.That((xlm.VocabSize, xlm.Family), Is.EqualTo((30522, (EncoderFamily)XlmRobertaFamily.Instance)));
        Assert.That(xlm.ToJsonObject()["model_type"]!.GetValue<string>(), Is.EqualTo("xlm-roberta"));
        Assert.That(EncoderConfig.FromJson(xlm.ToJsonObject()), Is.EqualTo(xlm));
    }

    [TestCase("{\"model_type\": \"roberta\", \"max_position_embeddings\": 2}", "x/config.json: max_position_embeddings (2) must exceed pad_token_id + 1 (2): RoBERTa's positions start after the padding index")]
    [TestCase("{\"model_type\": \"roberta\", \"hidden_act\": \"relu\"}", "x/config.json: hidden_act 'relu' is not supported (gelu)")]
    [TestCase("{\"model_type\": \"xlm-roberta\", \"is_decoder\": true}", "x/config.json: is_decoder = true is not supported")]
    [TestCase("{\"model_type\": \"roberta\", \"pad_token_id\": 50265}", "x/config.json: pad_token_id 50265 outside the vocabulary")]
    public void A_bad_field_is_refused_naming_it(string json, string message) =>
        Assert.That(() => EncoderConfig.FromJson(JsonNode.Parse(json)!.AsObject(), "x/config.json"),
            Throws.TypeOf<InvalidDataException>().With.Message.EqualTo(message));
}
