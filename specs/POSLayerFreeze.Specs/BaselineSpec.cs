namespace POSLayerFreeze.Specs;

/// <summary>The seed README's "Baseline Model Performance": the model fine-tuned with no layer frozen.</summary>
[TestFixture]
[Category("Baseline")]
[ProfileCategory]
public sealed class BaselineSpec
{
    [Test]
    public void Baseline_reproduces_its_verified_results()
    {
        var runs = StudyRuns.Current.Of("baseline");
        Goldens.Verify("baseline", Goldens.ForConfiguration(runs, StudyRuns.Current.Settings));
    }
}
