using System.Runtime.InteropServices;
using POSLayerFreeze.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace POSLayerFreeze.Benchmarks;

/// <summary>
/// Where the training benchmarks run: <c>POSLF_BENCH_DEVICE</c> (cpu by default, cuda on the GPU machine), the
/// fixed batch shape for that device, and the memory probes (process peak RSS here, device memory on CUDA).
/// </summary>
internal static partial class BenchEnvironment
{
    public const string DeviceVariable = "POSLF_BENCH_DEVICE";

    public static string DeviceName => Environment.GetEnvironmentVariable(DeviceVariable) is { Length: > 0 } name ? name.Trim().ToLowerInvariant() : "cpu";

    public static bool IsCuda => DevicePolicy.IsCuda(DeviceName);

    /// <summary>Sentences per step: the protocol's batch size.</summary>
    public const int BatchSize = 32;

    /// <summary>Padded length of the fixed batch: 40 tokens on CPU (2 cores), 128 on CUDA.</summary>
    public static int SequenceLength => IsCuda ? 128 : 40;

    public static Device ResolveDevice() => TorchRuntime.ResolveDevice(DeviceName);

    /// <summary>Waits for queued device work (CUDA); a no-op on CPU. Called before a timed operation returns.</summary>
    public static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA) cuda.synchronize(device);
    }

    /// <summary>Resets the kernel's peak-RSS counter (VmHWM) so the next reading covers one benchmark case.</summary>
    public static void ResetPeakRss()
    {
        try
        {
            if (OperatingSystem.IsLinux()) File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Peak and current resident set size of this process in bytes (Linux), or null.</summary>
    public static (long Peak, long Current)? Rss()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/proc/self/status")) return null;
        long peak = -1, current = -1;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = Kilobytes(line);
            else if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) current = Kilobytes(line);
        }
        return peak < 0 || current < 0 ? null : (peak, current);

        static long Kilobytes(string line) =>
            long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>
    /// Device memory in use on the current CUDA device (total − free, from the driver: what libtorch's caching
    /// allocator has reserved plus the context). TorchSharp 0.107 exposes no allocator statistics, so this asks
    /// libcuda directly; null when there is no driver or no current context.
    /// </summary>
    public static long? CudaUsedBytes()
    {
        try
        {
            return NativeCuda.cuMemGetInfo_v2(out var free, out var total) == 0 ? (long)(total - free) : null;
        }
        catch (DllNotFoundException)
        {
            return null;
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
    }

    private static partial class NativeCuda
    {
        [LibraryImport("libcuda.so.1")]
        internal static partial int cuMemGetInfo_v2(out nuint free, out nuint total);
    }
}
