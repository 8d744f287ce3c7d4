using System.Reflection;
using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace POSLayerFreeze.Runtime;

/// <summary>Devices, seeding and version facts for the TorchSharp backend this build was made with.</summary>
public static partial class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static bool s_cudaInitialized;

    /// <summary>cpu, cuda or system: the libtorch this build was linked against (MSBuild property TorchBackend).</summary>
    public static string Backend => Metadata("TorchBackend") ?? "unknown";

    public static string TorchSharpVersion => Metadata("TorchSharpVersion") ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>
    /// The libtorch actually loaded: the pinned NuGet version for the cpu/cuda backends; for the system backend the
    /// version of the PyTorch whose libtorch_cpu.so this process mapped (read from its torch/version.py).
    /// </summary>
    public static string LibTorchVersion()
    {
        var path = LoadedLibTorchPath();
        if (path is not null)
        {
            var versionPy = Path.Combine(Path.GetDirectoryName(path)!, "..", "version.py");
            if (File.Exists(versionPy))
            {
                var match = VersionLine().Match(File.ReadAllText(versionPy));
                if (match.Success) return match.Groups[1].Value + " (PyTorch)";
            }
        }
        return Metadata("LibTorchPackageVersion") is { Length: > 0 } v && Backend != "system" ? v : "unknown";
    }

    /// <summary>Path of the libtorch_cpu.so mapped into this process, once TorchSharp is loaded.</summary>
    public static string? LoadedLibTorchPath()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/proc/self/maps")) return null;
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var at = line.IndexOf('/', StringComparison.Ordinal);
            if (at >= 0 && line.EndsWith("libtorch_cpu.so", StringComparison.Ordinal)) return line[at..];
        }
        return null;
    }

    /// <summary>Checks the spelling of a device name ("cpu", "cuda", "cuda:N") without touching libtorch; returns it normalized.</summary>
    public static string ParseDeviceName(string? name)
    {
        var text = string.IsNullOrWhiteSpace(name) ? "cpu" : name.Trim().ToLowerInvariant();
        if (text is "cpu" or "cuda") return text;
        if (text.StartsWith("cuda:", StringComparison.Ordinal) && text.Length > 5 && text[5..].All(char.IsAsciiDigit)) return text;
        throw new ArgumentException($"unknown device '{name}': expected cpu, cuda or cuda:N");
    }

    /// <summary>Resolves "cpu", "cuda" or "cuda:N"; CUDA is initialised on first use and must be present.</summary>
    public static Device ResolveDevice(string? name)
    {
        name = string.IsNullOrWhiteSpace(name) ? "cpu" : name.Trim().ToLowerInvariant();
        if (name == "cpu") return CPU;
        if (DevicePolicy.IsCuda(name))
        {
            if (!CudaAvailable())
            {
                throw new InvalidOperationException(
                    $"--device {name}: CUDA is not available to TorchSharp here (backend '{Backend}'). " +
                    "Build with -p:TorchBackend=system on a machine whose PyTorch has CUDA and put its torch/lib on LD_LIBRARY_PATH.");
            }
            return new Device(name);
        }
        throw new ArgumentException($"Unknown device '{name}': expected cpu, cuda or cuda:N.");
    }

    public static bool CudaAvailable()
    {
        lock (Gate)
        {
            if (!s_cudaInitialized)
            {
                s_cudaInitialized = true;
                try { InitializeDeviceType(DeviceType.CUDA); }
                catch (Exception) { return false; }
            }
        }
        try { return cuda.is_available(); }
        catch (Exception) { return false; }
    }

    public static int CudaDeviceCount() => CudaAvailable() ? cuda.device_count() : 0;

    /// <summary>
    /// One seed per run: the CPU generator and, where present, every CUDA generator
    /// (torch.manual_seed alone seeds only the CPU one).
    /// </summary>
    public static void Seed(long seed)
    {
        manual_seed(seed);
        if (s_cudaInitialized && cuda.is_available()) cuda.manual_seed_all(seed);
    }

    private static string? Metadata(string key) =>
        typeof(TorchRuntime).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value;

    [GeneratedRegex("__version__\\s*=\\s*['\"]([^'\"]+)['\"]")]
    private static partial Regex VersionLine();
}
