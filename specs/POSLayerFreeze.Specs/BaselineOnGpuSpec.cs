using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Specs;

/// <summary>
/// The protocol of record on a GPU: the full-profile baseline must reach 96% test accuracy (the level a Hugging
/// Face + PyTorch run of the same protocol reaches). Elsewhere it is reported as not run, with the reason.
/// </summary>
[TestFixture]
[Category("Gpu")]
[Category("Full")]
public sealed class BaselineOnGpuSpec
{
    private const double MinimumTestAccuracy = 0.96;

    [Test]
    public void Full_profile_baseline_reaches_96_percent_on_cuda()
    {
        var settings = SpecSettings.Current;
        if (!DevicePolicy.IsCuda(settings.Device) || settings.TrainingProfile.Name != "full")
            Assert.Ignore($"not run: needs the full profile on CUDA (POSLF_PROFILE=full POSLF_DEVICE=cuda); this session runs {settings.Profile} on {settings.Device}");

        var runs = StudyRuns.Current.Of("baseline");
        var devices = runs.Select(r => r.Metrics["provenance"]?["device"]?.GetValue<string>() ?? "unknown").Distinct().ToArray();
        var accuracy = runs.Average(r => r.TestAccuracy);
        TestContext.Out.WriteLine($"full-profile baseline: test accuracy {accuracy:F4} over seeds {string.Join(",", runs.Select(r => r.Seed))} on {string.Join(", ", devices)}");
        Assert.Multiple(() =>
        {
            Assert.That(devices, Has.All.Matches<string>(DevicePolicy.IsCuda), "the runs were made on a CUDA device");
            Assert.That(accuracy, Is.GreaterThanOrEqualTo(MinimumTestAccuracy), "mean test accuracy over the seeds");
        });
    }
}
