using POSLayerFreeze.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Runtime;

public class TorchRuntimeTests
{
    [Test]
    public void TorchSharp_computes_on_cpu_through_the_compatibility_path_where_needed()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        var product = a.matmul(a).data<float>().ToArray();
        Assert.That(product, Is.EqualTo(new float[] { 7, 10, 15, 22 }));
        // Where the system libstdc++ is too old, TorchSharp only loads because the shim was preloaded.
        Assert.That(NativeCompat.SystemHasRequiredGlibcxx || NativeCompat.ShimLoaded, Is.True,
            "TorchSharp loaded although neither the system nor the shim provides GLIBCXX_3.4.32");
    }

    [Test]
    public void The_same_seed_gives_the_same_numbers()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.Seed(42);
        var first = randn(16).data<float>().ToArray();
        TorchRuntime.Seed(42);
        var second = randn(16).data<float>().ToArray();
        TorchRuntime.Seed(43);
        var third = randn(16).data<float>().ToArray();
        Assert.That(second, Is.EqualTo(first));
        Assert.That(third, Is.Not.EqualTo(first));
    }

    [Test]
    public void Unknown_devices_are_rejected_with_the_accepted_names()
    {
        var error = Assert.Throws<ArgumentException>(() => TorchRuntime.ResolveDevice("tpu"));
        Assert.That(error!.Message, Does.Contain("cpu, cuda or cuda:N"));
        Assert.That(TorchRuntime.ResolveDevice("cpu").type, Is.EqualTo(DeviceType.CPU));
    }

    [Test]
    public void Versions_name_the_pinned_pair()
    {
        Assert.That(TorchRuntime.TorchSharpVersion, Is.EqualTo("0.107.0"));
        _ = ones(1); // make sure libtorch is mapped
        Assert.That(TorchRuntime.LibTorchVersion(), Does.StartWith("2.10.0"));
        Assert.That(TorchRuntime.Backend, Is.EqualTo("cpu"));
    }
}
