using System.Text.Json.Nodes;
using POSLayerFreeze.Models;
using TorchSharp.Modules;
using static POSLayerFreeze.Tests.Models.ModelTestSupport;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Models;

/// <summary>initializer_range and classifier_dropout are read with Hugging Face's meaning, validated and saved.</summary>
public class EncoderConfigTests
{
    private static JsonObject Json(string fixture) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(TinyDir(fixture), "config.json")))!.AsObject();

    [TestCase("tiny-distilbert")]
    [TestCase("tiny-bert")]
    public void HeadWeightIsDrawnWithTheConfiguredInitializerRange(string fixture)
    {
        float[] Head(double range)
        {
            var json = Json(fixture);
            json["initializer_range"] = range;
            using var model = new TokenClassifier(EncoderConfig.FromJson(json), 17);
            manual_seed(7);
            model.InitializeClassifier();
            return model.ClassifierParameters()[0].data<float>().ToArray();
        }
        var standard = Head(0.02);
        var wide = Head(0.5);
        // Same generator state: N(0, σ) is σ times the same standard normal draws.
        Assert.That(wide.Select((w, i) => w - (25 * standard[i])).Max(Math.Abs), Is.LessThan(1e-6));
        Assert.That(Math.Sqrt(wide.Average(w => (double)w * w)), Is.InRange(0.4, 0.6));
    }

    [Test]
    public void HeadDropoutFollowsHuggingFacePerFamily()
    {
        var bert = Json("tiny-bert");
        Assert.That(bert.ContainsKey("classifier_dropout") && bert["classifier_dropout"] is null, "the fixture writes an explicit null");
        Assert.That(HeadDropout(bert), Is.EqualTo(0.1), "null: hidden_dropout_prob");
        bert["classifier_dropout"] = 0.3;
        Assert.That(HeadDropout(bert), Is.EqualTo(0.3), "set: classifier_dropout");

        var distilBert = Json("tiny-distilbert");
        distilBert["dropout"] = 0.25;
        Assert.That(HeadDropout(distilBert), Is.EqualTo(0.25), "DistilBERT: config.dropout");
    }

    private static double HeadDropout(JsonObject json)
    {
        var config = EncoderConfig.FromJson(json);
        using var model = new TokenClassifier(config, 5);
        var module = (Dropout)model.named_children().Single(c => c.name == "dropout").module;
        Assert.That(module.p, Is.EqualTo(config.TokenClassifierDropout), "the head's module uses what the config says");
        return module.p;
    }

    [TestCase("tiny-bert", "initializer_range", 0.0, "initializer_range must be a positive number, got 0")]
    [TestCase("tiny-distilbert", "initializer_range", -0.02, "initializer_range must be a positive number, got -0.02")]
    [TestCase("tiny-bert", "classifier_dropout", 1.0, "classifier_dropout must be in [0, 1), got 1")]
    public void OutOfRangeValuesAreRefusedNamingTheField(string fixture, string field, double value, string message)
    {
        var json = Json(fixture);
        json[field] = value;
        Assert.That(() => EncoderConfig.FromJson(json, "x/config.json"),
            Throws.TypeOf<InvalidDataException>().With.Message.EqualTo("x/config.json: " + message));
    }

    [Test]
    public void AWronglyTypedClassifierDropoutIsRefused()
    {
        var json = Json("tiny-bert");
        json["classifier_dropout"] = "0.1";
        Assert.That(() => EncoderConfig.FromJson(json), Throws.TypeOf<InvalidDataException>()
            .With.Message.Contains("field 'classifier_dropout' must be a number"));
    }

    [TestCase("tiny-distilbert", "initializer_range", 0.05)]
    [TestCase("tiny-bert", "initializer_range", 0.05)]
    [TestCase("tiny-bert", "classifier_dropout", 0.2)]
    public void TheSavedConfigReadsBackEqual(string fixture, string field, double value)
    {
        var json = Json(fixture);
        json[field] = value;
        var config = EncoderConfig.FromJson(json);
        var saved = config.ToJsonObject();
        Assert.That(saved[field]!.GetValue<double>(), Is.EqualTo(value));
        Assert.That(EncoderConfig.FromJson(saved), Is.EqualTo(config));
    }

    [Test]
    public void TheDefaultModelsKeepNormal002AndTheHiddenDropout()
    {
        // minilm and the default DistilBERT: their numbers must not move with this reading.
        Assert.That(BertConfig.MiniLmL6.InitializerRange, Is.EqualTo(0.02));
        Assert.That(BertConfig.MiniLmL6.TokenClassifierDropout, Is.EqualTo(BertConfig.MiniLmL6.HiddenDropoutProb));
        Assert.That(BertConfig.MiniLmL6.ToJsonObject()["classifier_dropout"], Is.Null);
        Assert.That(new DistilBertConfig().InitializerRange, Is.EqualTo(0.02));
    }
}
