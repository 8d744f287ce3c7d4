using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace POSLayerFreeze.Runtime;

/// <summary>
/// Where bf16 mixed precision runs: a CPU whose instruction set multiplies bfloat16 natively (x86 AVX512-BF16 or
/// AMX-BF16, Arm's BF16 extension) and CUDA devices that run a bfloat16 matmul. Elsewhere libtorch emulates bf16
/// (measured on an AVX2-only AMD EPYC, Zen 3: a MiniLM-shaped matmul 50× slower than fp32), so a bf16 run is refused there with one line saying why — unless
/// <see cref="EmulationVariable"/> is 1, for checking the bf16 path (tests, goldens) on a machine without the hardware.
/// </summary>
public static class Bf16Support
{
    /// <summary>Set to 1 to run bf16 on a CPU without native bf16 (libtorch emulates it: same protocol, slower than fp32).</summary>
    public const string EmulationVariable = "POSLF_BF16_EMULATED";

    /// <summary>The /proc/cpuinfo flags that mean native bf16 matmuls (x86 <c>flags</c>, Arm <c>Features</c>).</summary>
    private static readonly string[] NativeFlags = ["avx512_bf16", "amx_bf16", "bf16"];

    /// <summary>The native bf16 flags of this CPU (empty when none, or without /proc/cpuinfo).</summary>
    public static IReadOnlyList<string> CpuFlags() =>
        CpuFlags(File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo") : []);

    /// <summary>The native bf16 flags in the first <c>flags</c> (x86) or <c>Features</c> (Arm) line of a /proc/cpuinfo text.</summary>
    public static IReadOnlyList<string> CpuFlags(IEnumerable<string> cpuinfoLines)
    {
        ArgumentNullException.ThrowIfNull(cpuinfoLines);
        var line = cpuinfoLines.FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal) || l.StartsWith("Features", StringComparison.Ordinal));
        if (line is null) return [];
        var flags = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return NativeFlags.Where(flags.Contains).ToArray();
    }

    /// <summary>Why a bf16 run cannot run on <paramref name="device"/>, or null when it can.</summary>
    public static string? Refusal(Device device) =>
        device?.type == DeviceType.CPU && Environment.GetEnvironmentVariable(EmulationVariable) == "1" ? null : Refusal(device!, CpuFlags());

    /// <summary><see cref="Refusal(Device)"/> with the CPU's native bf16 flags given.</summary>
    public static string? Refusal(Device device, IReadOnlyList<string> cpuFlags)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(cpuFlags);
        if (device.type == DeviceType.CPU)
        {
            return cpuFlags.Count > 0 ? null
                : "bf16 needs a CPU with native bfloat16 matmuls (AVX512-BF16, AMX-BF16 or Arm BF16), and this CPU's /proc/cpuinfo flags name none: libtorch would emulate it, tens of times slower than fp32 (" + EmulationVariable + "=1 runs it anyway)";
        }
        if (device.type != DeviceType.CUDA) return $"bf16 runs on the CPU or CUDA, not on {device.type}";
        try
        {
            Multiply(device, ScalarType.BFloat16, 8, repeats: 1);
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return $"bf16 is not supported on {device}: a bfloat16 matmul failed ({e.GetBaseException().Message.Split('\n')[0]})";
        }
    }

    /// <summary>Throws, with <see cref="Refusal(Device)"/>'s line, when a bf16 run cannot run on <paramref name="device"/>.</summary>
    public static void Require(Device device)
    {
        if (Refusal(device) is { } why) throw new InvalidOperationException(why);
    }

    /// <summary>
    /// The doctor's line: the native flags and the measured speed of a MiniLM-shaped matmul ([1,024 × 384] ·
    /// [384 × 1,536], the feed-forward's) in bf16 over fp32 on this device, best of a few repeats of each.
    /// </summary>
    public static string Describe(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var flags = device.type == DeviceType.CPU ? CpuFlags() : [];
        var where = device.type == DeviceType.CPU ? (flags.Count > 0 ? string.Join(", ", flags) : "no native bf16 flag") : device.ToString();
        var native = Refusal(device, flags) is null;
        // A CUDA device that cannot multiply in bf16 has nothing to measure; an emulating CPU shows what emulation costs.
        if (!native && device.type != DeviceType.CPU) return $"{where}: not supported ({Refusal(device, flags)})";
        var fp32 = Multiply(device, ScalarType.Float32, 1024, repeats: 5);
        var bf16 = Multiply(device, ScalarType.BFloat16, 1024, repeats: 5);
        return string.Create(Invariant.Culture,
            $"{where}: {(native ? "supported" : "emulated, --bf16 refused")}; matmul bf16/fp32 speed {fp32 / bf16:F2}× ({fp32 * 1e3:F1} ms fp32, {bf16 * 1e3:F1} ms bf16)");
    }

    /// <summary>Best seconds of <paramref name="repeats"/> [rows × 384] · [384 × 1,536] matmuls in <paramref name="type"/>.</summary>
    private static double Multiply(Device device, ScalarType type, int rows, int repeats)
    {
        using var scope = NewDisposeScope();
        var a = ones([rows, 384], dtype: type, device: device);
        var b = ones([384, 1536], dtype: type, device: device);
        a.matmul(b).sum().to_type(ScalarType.Float32).item<float>();   // warm-up: first-call dispatch and allocation
        var best = double.MaxValue;
        for (var i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            using var product = a.matmul(b);
            if (device.type == DeviceType.CUDA) cuda.synchronize(device);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return best;
    }
}
