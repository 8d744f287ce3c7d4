namespace POSLayerFreeze.Specs;

/// <summary>
/// The seed README's "Compound Layer Partial Freezing (CLPF)": the bottom layers frozen together, two, three, …
/// up to every layer, then everything (embeddings included) so only the classifier trains.
/// </summary>
[TestFixture]
[Category("CLPF")]
[ProfileCategory]
public sealed class CompoundLayerPartialFreezingSpec
{
    [TestCase("clpf-0+1")]
    [TestCase("clpf-0+1+2")]
    [TestCase("clpf-0+1+2+3")]
    [TestCase("clpf-0+1+2+3+4")]
    [TestCase("clpf-0+1+2+3+4+5")]
    [TestCase("all")]
    public void Freezing_layers_together_reproduces_its_verified_results(string config)
    {
        var runs = StudyRuns.Current.Of(config);
        Goldens.Verify(config, Goldens.ForConfiguration(runs, StudyRuns.Current.Settings));
    }
}
