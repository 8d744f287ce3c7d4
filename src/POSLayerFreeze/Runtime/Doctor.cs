using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace POSLayerFreeze.Runtime;

/// <summary>One line of the doctor's report. <see cref="Ok"/> false on a line marked <see cref="Required"/>
/// means the harness cannot train here.</summary>
public sealed record DoctorCheck(string Name, string Value, bool Ok = true, bool Required = false);

/// <summary>
/// What `poslf doctor` reports: the platform, the native compatibility path, versions, the devices TorchSharp
/// sees (each exercised by a tiny forward/backward), and where data and the default model come from.
/// Extra checks (dataset, model) are supplied by the caller so this class depends on nothing above Runtime.
/// </summary>
public static class Doctor
{
    public static IReadOnlyList<DoctorCheck> Run(IEnumerable<Func<DoctorCheck>> extraChecks)
    {
        var checks = new List<DoctorCheck>
        {
            new("os", OsName()),
            new("libstdc++", $"{NativeCompat.LibStdCxxLevel() ?? "not found"} (TorchSharp needs {NativeCompat.RequiredGlibcxx})"),
            new("compat shim", NativeCompat.SystemHasRequiredGlibcxx
                ? "not needed (system libstdc++ is new enough)"
                : NativeCompat.ShimLoaded ? $"in use ({NativeCompat.ShimPath})" : "NEEDED BUT MISSING: rebuild (the build creates it; needs a C compiler)",
                Ok: NativeCompat.SystemHasRequiredGlibcxx || NativeCompat.ShimLoaded, Required: true),
            new(".NET", RuntimeInformation.FrameworkDescription),
            new("torch backend", TorchRuntime.Backend),
            new("TorchSharp", TorchRuntime.TorchSharpVersion),
        };
        checks.Add(Guard("cpu", () =>
        {
            var threads = get_num_threads();
            return $"{threads} thread(s), {Exercise(CPU)}";
        }, required: true));
        checks.Add(new("libtorch", $"{TorchRuntime.LibTorchVersion()} at {TorchRuntime.LoadedLibTorchPath() ?? "?"}"));
        checks.Add(Guard("cpu bf16", () => Bf16Support.Describe(CPU), required: false));
        var cudaCount = 0;
        checks.Add(Guard("cuda", () =>
        {
            cudaCount = TorchRuntime.CudaDeviceCount();
            return cudaCount == 0 ? "no CUDA device visible" : $"{cudaCount} device(s)";
        }, required: false));
        for (var i = 0; i < cudaCount; i++)
        {
            var device = new Device(DeviceType.CUDA, i);
            checks.Add(Guard($"cuda:{i}", () => Exercise(device), required: false));
            checks.Add(Guard($"cuda:{i} bf16", () => Bf16Support.Describe(device), required: false));
        }
        foreach (var extra in extraChecks)
        {
            checks.Add(Guard(extra));
        }
        return checks;
    }

    /// <summary>True when every required check passed.</summary>
    public static bool CanTrain(IReadOnlyList<DoctorCheck> checks) => checks.All(c => c.Ok || !c.Required);

    /// <summary>A small matmul, a backward pass and a host read: proves kernels, autograd and copies work.</summary>
    private static string Exercise(Device device)
    {
        using var scope = NewDisposeScope();
        var w = randn(new long[] { 64, 64 }, device: device, generator: null).requires_grad_(true);
        var x = ones(new long[] { 8, 64 }, device: device);
        var loss = x.matmul(w).tanh().sum();
        loss.backward();
        var gradFinite = w.grad!.isfinite().all().item<bool>();
        if (!gradFinite) throw new InvalidOperationException("gradient not finite");
        return "matmul + backward ok";
    }

    private static DoctorCheck Guard(string name, Func<string> probe, bool required)
    {
        try { return new DoctorCheck(name, probe(), Ok: true, Required: required); }
        catch (Exception e) { return new DoctorCheck(name, $"FAILED: {e.GetBaseException().Message}", Ok: false, Required: required); }
    }

    private static DoctorCheck Guard(Func<DoctorCheck> probe)
    {
        try { return probe(); }
        catch (Exception e) { return new DoctorCheck("check", $"FAILED: {e.GetBaseException().Message}", Ok: false, Required: true); }
    }

    private static string OsName()
    {
        const string osRelease = "/etc/os-release";
        if (File.Exists(osRelease))
        {
            var pretty = File.ReadLines(osRelease).FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal));
            if (pretty is not null) return $"{pretty["PRETTY_NAME=".Length..].Trim('"')} ({RuntimeInformation.OSArchitecture})";
        }
        return RuntimeInformation.OSDescription;
    }
}
