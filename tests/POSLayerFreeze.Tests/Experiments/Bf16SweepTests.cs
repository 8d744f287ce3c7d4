using POSLayerFreeze.Experiments;
using POSLayerFreeze.Models;
using POSLayerFreeze.Reporting;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Tests.Experiments;

/// <summary>A bf16 run of the tiny world is another experiment, and says so wherever a run is recorded.</summary>
[NonParallelizable]
public class Bf16SweepTests : TinyTorchFixture
{
    [Test]
    public void A_bf16_run_records_its_precision_in_the_profile_hash_fingerprint_and_summary()
    {
        var previous = Environment.GetEnvironmentVariable(Bf16Support.EmulationVariable);
        // The tiny model multiplies in emulated bf16 in milliseconds, so this runs on any CPU.
        Environment.SetEnvironmentVariable(Bf16Support.EmulationVariable, "1");
        try
        {
            var outDir = TinyWorld.TempDir("bf16-sweep");
            var bf16Profile = ProfileFile.Apply(TinyWorld.Profile, new ProfileOverrides(Precision: Precision.Bf16));
            SweepRequest Request(TrainingProfile profile, string dir) =>
                new(["all"], [42], profile, TinyWorld.ModelDir, "cpu", false, dir, TinyWorld.DataDir);
            var (fp32Model, fp32Specs) = Sweep.Plan(Request(TinyWorld.Profile, TinyWorld.TempDir("fp32-plan")));
            var request = Request(bf16Profile, outDir);
            var (model, specs) = Sweep.Plan(request);
            Sweep.Run(request, specs, model, new SweepTests.RecordingObserver(), CancellationToken.None);
            Summary.Write(outDir);
            var run = ResultsFolder.Collect(outDir).Single();
            var fingerprint = PlatformFingerprint.FromJson(run.Metrics.Provenance?.Fingerprint);
            var summary = File.ReadAllText(Path.Combine(outDir, "summary.md"));
            Assert.Multiple(() =>
            {
                Assert.That(run.Metrics.Profile["precision"]!.GetValue<string>(), Is.EqualTo("bf16"));
                Assert.That(run.Metrics.Profile["name"]!.GetValue<string>(), Is.EqualTo(TinyWorld.Profile.Name + "+bf16"));
                Assert.That(specs.Single().InputsHash, Is.Not.EqualTo(fp32Specs.Single().InputsHash));
                Assert.That(fp32Specs.Single().ToJson()["profile"]!.AsObject().ContainsKey("precision"), Is.False);
                Assert.That(fingerprint?.Precision, Is.EqualTo("bf16"));
                Assert.That(summary, Does.Contain("bf16 matmuls"));
                Assert.That(double.IsFinite(run.Metrics.Test.Accuracy), Is.True);
            });
        }
        finally
        {
            Environment.SetEnvironmentVariable(Bf16Support.EmulationVariable, previous);
        }
    }
}
