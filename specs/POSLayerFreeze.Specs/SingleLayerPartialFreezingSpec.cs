namespace POSLayerFreeze.Specs;

/// <summary>The seed README's "Single Layer Partial Freezing (SLPF)": one transformer layer frozen at a time.</summary>
[TestFixture]
[Category("SLPF")]
[ProfileCategory]
public sealed class SingleLayerPartialFreezingSpec
{
    [TestCase("slpf-0")]
    [TestCase("slpf-1")]
    [TestCase("slpf-2")]
    [TestCase("slpf-3")]
    [TestCase("slpf-4")]
    [TestCase("slpf-5")]
    public void Freezing_one_layer_reproduces_its_verified_results(string config)
    {
        var runs = StudyRuns.Current.Of(config);
        Goldens.Verify(config, Goldens.ForConfiguration(runs, StudyRuns.Current.Settings));
    }
}
