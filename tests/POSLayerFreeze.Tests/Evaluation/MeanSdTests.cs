using System.Text.Json.Nodes;
using POSLayerFreeze.Evaluation;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Tests.Evaluation;

public sealed class MeanSdTests
{
    [Test]
    public void SampleSdDividesByNMinusOne()
    {
        // mean 2.5; squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5; 5 / (4 − 1) → sd √(5/3)
        var m = MeanSd.Of([1.0, 2.0, 3.0, 4.0]);
        Assert.That(m.Mean, Is.EqualTo(2.5));
        Assert.That(m.Sd, Is.EqualTo(Math.Sqrt(5.0 / 3)).Within(1e-15));
        Assert.That(m.N, Is.EqualTo(4));
    }

    [Test]
    public void OneValueHasSdZeroAndNoValueIsAnError()
    {
        Assert.That(MeanSd.Of([0.97]), Is.EqualTo(new MeanSd(0.97, 0, 1)));
        Assert.Throws<ArgumentException>(() => MeanSd.Of(Array.Empty<double>()));
    }

    [Test]
    public void JsonRoundTrips()
    {
        var m = MeanSd.Of([0.961, 0.963, 0.958]);
        var text = Invariant.ToJson(m.ToJson());
        Assert.That(MeanSd.FromJson(JsonNode.Parse(text)!), Is.EqualTo(m));
        Assert.That(text, Does.StartWith("{\n  \"mean\": "));
    }
}
