using POSLayerFreeze.Experiments;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tests.Cli;
using POSLayerFreeze.Tests.Experiments;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Tests.Runtime;

/// <summary>Everything that follows from the device, decided in <see cref="DevicePolicy"/> and used from there.</summary>
public sealed class DevicePolicyTests
{
    [TestCase("cpu", false, "cpu", "smoke", true)]
    [TestCase("cuda", true, "cuda", "full", false)]
    [TestCase("cuda:1", true, "cuda", "full", false)]
    [TestCase(" CUDA:0 ", true, "cuda", "full", false)]
    [TestCase("", false, "cpu", "smoke", true)]
    [TestCase(null, false, "cpu", "smoke", true)]
    public void A_device_decides_backend_default_profile_and_buckets(string? device, bool cuda, string backend, string profile, bool buckets)
    {
        Assert.That(DevicePolicy.IsCuda(device), Is.EqualTo(cuda));
        Assert.That(DevicePolicy.GoldenBackend(device), Is.EqualTo(backend));
        Assert.That(DevicePolicy.DefaultProfile(device), Is.EqualTo(profile));
        Assert.That(DevicePolicy.LengthBuckets(device), Is.EqualTo(buckets));
        Assert.That(TrainingProfile.Named(DevicePolicy.DefaultProfile(device)).Name, Is.EqualTo(profile), "a built-in profile");
    }

    [TestCase("cpu", MicroBatches.DefaultOverheadTokens)]
    [TestCase("CUDA", null)]
    [TestCase("cuda:1", null)]
    public void A_sweep_plans_length_buckets_by_the_policy_unless_told(string device, int? overhead)
    {
        SweepRequest Request(bool? bucketed) => new(["baseline"], [42], TinyWorld.Profile, TinyWorld.ModelDir, device, false,
            TinyWorld.TempDir("policy"), TinyWorld.DataDir, Bucketed: bucketed);
        Assert.That(Sweep.Plan(Request(null)).Specs.Single().BucketOverheadTokens, Is.EqualTo(overhead));
        Assert.That(Sweep.Plan(Request(true)).Specs.Single().BucketOverheadTokens, Is.EqualTo(MicroBatches.DefaultOverheadTokens));
        Assert.That(Sweep.Plan(Request(false)).Specs.Single().BucketOverheadTokens, Is.Null);
    }

    // The default profile's seeds show which profile was taken: full has three (42, 43, 44), smoke one. Before the
    // policy, run and slurm submit tested the raw option ordinally, so --device CUDA planned the smoke profile.
    [TestCase("CUDA", "0-5")]
    [TestCase("cuda:0", "0-5")]
    [TestCase("cpu", "0-1")]
    public void Slurm_submit_takes_the_devices_default_profile(string device, string tasks)
    {
        var outDir = Path.Combine(TinyWorld.TempDir("policy-slurm"), "study");
        var (code, stdout, stderr) = Poslf.Run(null, ["slurm", "submit", "--configs", "baseline,all", "--model", TinyWorld.ModelDir,
            "--data-dir", TinyWorld.DataDir, "--out", outDir, "--device", device, "--dry-run"]);
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stdout, Does.Contain($"#SBATCH --array={tasks}\n"), "2 configurations × the default profile's seeds");
    }
}
