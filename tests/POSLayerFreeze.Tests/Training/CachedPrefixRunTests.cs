using System.Text.Json.Nodes;
using POSLayerFreeze.Data;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Tests.Experiments;

namespace POSLayerFreeze.Tests.Training;

/// <summary><c>--cached-prefix</c> end to end on the tiny world: recorded in metrics and the inputs hash, off by default.</summary>
[TestFixture]
public sealed class CachedPrefixRunTests
{
    private static RunSpec Spec(string config, bool cachedPrefix) =>
        new(config, 42, TinyWorld.Profile, TinyWorld.Model.Name, Sweep.ModelIdentity(TinyWorld.Model), "cpu", Tf32: false, CachedPrefix: cachedPrefix)
        {
            Dataset = Treebank.FromFolder(TinyWorld.DataDir, "test").Identity,
        };

    [Test]
    public void IsRecordedInMetricsAndTheInputsHashAndOnlyWhenAsked()
    {
        var data = ExperimentData.Load(TinyWorld.Model, TinyWorld.Profile, Treebank.FromFolder(TinyWorld.DataDir, "test"));
        var plain = Spec("all", cachedPrefix: false);
        var cached = Spec("all", cachedPrefix: true);
        Assert.That(cached.InputsHash, Is.Not.EqualTo(plain.InputsHash));
        Assert.That(plain.ToJson().ContainsKey("cached_prefix"), Is.False, "runs without the flag keep their earlier inputs hash");

        var metrics = RunExecutor.Execute(cached, data, TinyWorld.TempDir("cached-prefix"));
        Assert.That(metrics.CachedPrefix?.CachedLayers, Is.EqualTo(TinyWorld.Model.Config.NumLayers));
        Assert.That(metrics.Inputs["cached_prefix"]?.GetValue<bool>(), Is.True);
        Assert.That(metrics.Test.Accuracy, Is.InRange(0.0, 1.0));
        Assert.That(metrics.Train.Loss, Is.Not.Empty);

        var plainMetrics = RunExecutor.Execute(plain, data, TinyWorld.TempDir("plain-prefix"));
        Assert.That(plainMetrics.CachedPrefix, Is.Null);
    }
}
