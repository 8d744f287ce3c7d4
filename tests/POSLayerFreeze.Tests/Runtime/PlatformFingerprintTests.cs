using POSLayerFreeze.Runtime;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Runtime;

public class PlatformFingerprintTests
{
    private static string[] Cpuinfo(string flags) => ["processor\t: 0", "model name\t: Some CPU", "flags\t\t: " + flags, "flags\t\t: avx512f"];

    [Test]
    public void The_isa_level_is_the_one_aten_would_dispatch_to()
    {
        Assert.That(PlatformFingerprint.CpuIsaLevel(Cpuinfo("fpu sse2 avx fma avx2 avx512f avx512dq avx512bw avx512vl amx_tile")), Is.EqualTo("avx512"));
        // AVX-512 foundation alone is not enough for ATen's AVX-512 kernels (it also needs BW, VL and DQ)
        Assert.That(PlatformFingerprint.CpuIsaLevel(Cpuinfo("fpu sse2 avx fma avx2 avx512f")), Is.EqualTo("avx2"));
        // AVX2 without FMA falls back to the default kernels
        Assert.That(PlatformFingerprint.CpuIsaLevel(Cpuinfo("fpu sse2 avx avx2")), Is.EqualTo("default"));
        Assert.That(PlatformFingerprint.CpuIsaLevel(Cpuinfo("fpu sse2 avx fma avx2")), Is.EqualTo("avx2"));
        Assert.That(PlatformFingerprint.CpuIsaLevel(["processor\t: 0"]), Is.EqualTo("unknown"));
    }

    [Test]
    public void This_process_on_the_cpu_records_backend_versions_isa_and_threads()
    {
        var here = PlatformFingerprint.Current(CPU);
        Assert.Multiple(() =>
        {
            Assert.That(here.DeviceKind, Is.EqualTo("cpu"));
            Assert.That(here.Backend, Is.EqualTo(TorchRuntime.Backend));
            Assert.That(here.TorchSharp, Is.EqualTo(TorchRuntime.TorchSharpVersion));
            Assert.That(here.LibTorch, Is.EqualTo(TorchRuntime.LibTorchVersion()));
            Assert.That(here.CpuThreads, Is.EqualTo(get_num_threads()));
            Assert.That(here.Hardware, Is.AnyOf("avx512", "avx2", "default", "unknown").Or.Contains(PlatformFingerprint.AtenCapabilityVariable));
        });
        Assert.That(PlatformFingerprint.Current(CPU), Is.EqualTo(here), "the same process has one fingerprint");
    }

    [Test]
    public void Differences_name_each_field_and_json_round_trips()
    {
        var a = new PlatformFingerprint("cpu", "cpu", "0.107.0", "2.10.0", "avx512", 2);
        var b = a with { Hardware = "avx2", CpuThreads = null };
        Assert.That(a.Differences(a), Is.Empty);
        Assert.That(a.Differences(b), Is.EqualTo((string[])["hardware: avx512 ≠ avx2", "cpu_threads: 2 ≠ —"]));
        Assert.That(PlatformFingerprint.FromJson(a.ToJson()), Is.EqualTo(a));
        Assert.That(PlatformFingerprint.FromJson(b.ToJson()), Is.EqualTo(b));
        Assert.That(PlatformFingerprint.FromJson(null), Is.Null);
        Assert.That(b.Describe(), Is.EqualTo("cpu on cpu backend, TorchSharp 0.107.0, libtorch 2.10.0, avx2"));
    }
}
