using System.Text.Json.Nodes;
using POSLayerFreeze.Golden;
using static POSLayerFreeze.Tests.Golden.GoldenStoreTests;

namespace POSLayerFreeze.Tests.Golden;

/// <summary>
/// A hand-edited or truncated golden file must fail with one line naming what is wrong, and every kind of fact must
/// survive the file: these pin the parse errors word for word and the boolean/integer/text round trip.
/// </summary>
public sealed class SnapshotParsingTests
{
    private static string Edit(Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(Sample().ToJson())!.AsObject();
        edit(json);
        return json.ToJsonString();
    }

    private static string ParseError(string json) => Assert.Throws<FormatException>(() => Snapshot.Parse(json))!.Message;

    [Test]
    public void EachMissingPartIsNamed()
    {
        Assert.That(ParseError("null"), Is.EqualTo("A golden snapshot cannot be null."));
        Assert.That(ParseError(Edit(j => j.Remove("provenance"))), Is.EqualTo("Snapshot has no 'provenance'."));
        Assert.That(ParseError(Edit(j => j.Remove("metrics"))), Is.EqualTo("Snapshot has no 'metrics'."));
        Assert.That(ParseError(Edit(j => j["metrics"]!["test.accuracy"]!.AsObject().Remove("value"))),
            Is.EqualTo("Metric 'test.accuracy' has no 'value'."));
        Assert.That(ParseError(Edit(j => j["metrics"]!["test.accuracy"]!.AsObject().Remove("tolerance"))),
            Is.EqualTo("Metric 'test.accuracy' has no 'tolerance'."));
        Assert.That(ParseError(Edit(j => j["metrics"]!["test.accuracy"] = null)), Is.EqualTo("Metric 'test.accuracy' has no 'value'."));
        Assert.That(ParseError(Edit(j => j["provenance"]!.AsObject().Remove("model"))), Is.EqualTo("Provenance has no 'model'."));
        Assert.That(ParseError(Edit(j => j["provenance"]!.AsObject().Remove("commit"))), Is.EqualTo("Provenance has no 'commit'."));
        Assert.That(ParseError(Edit(j => j["provenance"]!.AsObject().Remove("seeds"))), Is.EqualTo("Provenance has no 'seeds'."));
        Assert.That(ParseError(Edit(j => j["provenance"]!["seeds"] = new JsonArray(42, null))), Is.EqualTo("A seed is null."));
    }

    [Test]
    public void AFactMustBeAStringABooleanOrAnInteger()
    {
        foreach (var bad in new JsonNode?[] { JsonValue.Create(1.5), null, new JsonArray(1), new JsonObject() })
        {
            Assert.That(ParseError(Edit(j => j["facts"]!["test.words"] = bad?.DeepClone())),
                Is.EqualTo("Fact 'test.words' must be a string, a boolean or an integer."), bad?.ToJsonString() ?? "null");
        }
        // a file without facts has none
        Assert.That(Snapshot.Parse(Edit(j => j.Remove("facts"))).Facts, Is.Empty);
    }

    [Test]
    public void FactsOfEveryKindRoundTripThroughTheFile()
    {
        var facts = new Dictionary<string, Fact>
        {
            ["no"] = Fact.Of(false), ["yes"] = Fact.Of(true), ["negative"] = Fact.Of(-3), ["words"] = Fact.Of(25094L), ["text"] = Fact.Of("5"),
        };
        var snapshot = new Snapshot(Sample().Provenance, Sample().Metrics, facts);
        var json = snapshot.ToJson();
        Assert.That(json, Does.Contain("\"no\": false").And.Contain("\"yes\": true").And.Contain("\"negative\": -3")
            .And.Contain("\"words\": 25094").And.Contain("\"text\": \"5\""));
        Assert.That(Snapshot.Parse(json).Facts, Is.EqualTo(facts));
        Assert.That(Fact.Of(false), Is.Not.EqualTo(Fact.Of(true)));
        Assert.That(Fact.Of(5), Is.Not.EqualTo(Fact.Of("5")), "equality is kind and text");
        Assert.That((Fact.Of(false).ToString(), Fact.Of(true).ToString(), Fact.Of(-3).ToString(), Fact.Of("5").ToString()),
            Is.EqualTo(("false", "true", "-3", "\"5\"")));
        Assert.Throws<ArgumentNullException>(() => Fact.Of((string)null!));
    }

    [Test]
    public void ConstructorsNameWhatIsWrong()
    {
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new Metric(double.PositiveInfinity, 0.1))!.Message,
            Does.StartWith("A golden metric must be finite. (Parameter 'value')"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new Metric(0.5, double.NaN))!.Message,
            Does.StartWith("A tolerance must be finite and non-negative. (Parameter 'tolerance')"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => _ = new Snapshot(null!, Sample().Metrics))!.ParamName, Is.EqualTo("provenance"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => _ = new Snapshot(Sample().Provenance, null!))!.ParamName, Is.EqualTo("metrics"));
        var both = Assert.Throws<ArgumentException>(() => _ = new Snapshot(Sample().Provenance,
            new Dictionary<string, Metric> { ["test.words"] = new(1, 0) }, new Dictionary<string, Fact> { ["test.words"] = Fact.Of(1) }));
        Assert.That(both!.Message, Is.EqualTo("'test.words' is both a metric and a fact. (Parameter 'facts')"));
    }

    [Test]
    public void TolerancePolicyGuardsAndReasons()
    {
        Assert.That(Assert.Throws<ArgumentNullException>(() => TolerancePolicy.Exact(null!))!.ParamName, Is.EqualTo("metric"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => TolerancePolicy.OfMean("cuda", 0.005, 0.002, null!))!.ParamName, Is.EqualTo("perSeed"));
        Assert.That(TolerancePolicy.Choose(null, Here).Reason, Is.EqualTo("the verified snapshot records no platform fingerprint"));
        Assert.That(TolerancePolicy.Choose(Here, null).Reason, Is.EqualTo("the received runs record no single platform fingerprint"));
        Assert.That(TolerancePolicy.Choose(Here, Here with { }), Is.EqualTo(new RuleChoice(ComparisonRule.Exact,
            "same platform fingerprint (cpu on cpu backend, TorchSharp 0.107.0, libtorch 2.10.0, avx512, 2 thread(s))")));
        Assert.That((new RuleChoice(ComparisonRule.Exact, "").Name, new RuleChoice(ComparisonRule.Statistical, "").Name),
            Is.EqualTo(("exact", "statistical")));
        Assert.That(TolerancePolicy.Exact("timing.step_ratio"), Is.EqualTo(TolerancePolicy.TimingRatio));
    }
}
