using POSLayerFreeze.Experiments;
using POSLayerFreeze.Runtime;
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
}
