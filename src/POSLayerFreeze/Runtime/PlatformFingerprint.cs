using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace POSLayerFreeze.Runtime;

/// <summary>
/// What decides the float rounding of a run, and nothing else: the torch backend, the TorchSharp and libtorch
/// versions, and the hardware path the kernels take — on the CPU the instruction-set level libtorch dispatches to
/// plus the intra-op thread count (a reduction split over more threads adds in another order); on CUDA the GPU
/// model. Two runs with equal fingerprints, seeds and inputs are expected to be bit-identical (measured: CPU runs on
/// one kind of machine, the H200 study in two leases); a golden compares exactly between equal fingerprints.
/// </summary>
/// <remarks>
/// The machine name, the date and the CPU model are deliberately not part of it: other machines of the same kind
/// must compare exactly, and a fingerprint that named the host would never match in CI. If two machines with equal
/// fingerprints ever disagree, the exact rule fails loudly; the fix is to add the field that differs here.
/// </remarks>
public sealed record PlatformFingerprint(string Backend, string DeviceKind, string TorchSharp, string LibTorch, string Hardware, int? CpuThreads)
{
    /// <summary>The matmuls' arithmetic when not fp32 (<c>bf16</c>: kernels of their own, another rounding); null for
    /// fp32, so fingerprints recorded before the field existed read back equal.</summary>
    public string? Precision { get; init; }

    /// <summary>ATen's own override of its CPU dispatch level; when set it wins over what the CPU supports.</summary>
    public const string AtenCapabilityVariable = "ATEN_CPU_CAPABILITY";

    /// <summary>What ATen requires of a CPU before it dispatches to its AVX-512 kernels.</summary>
    private static readonly string[] Avx512Flags = ["avx512f", "avx512bw", "avx512vl", "avx512dq"];

    /// <summary>The fingerprint of this process on <paramref name="device"/> (TorchSharp must be loadable).</summary>
    public static PlatformFingerprint Current(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var cuda = device.type == DeviceType.CUDA;
        return new PlatformFingerprint(
            TorchRuntime.Backend,
            cuda ? "cuda" : "cpu",
            TorchRuntime.TorchSharpVersion,
            TorchRuntime.LibTorchVersion(),
            cuda ? GpuModel(device.index < 0 ? 0 : device.index) : CpuIsaLevel(),
            // CPU threads do not change what a CUDA kernel computes; recording them there would only split
            // otherwise identical GPU fingerprints by the host they ran on.
            cuda ? null : get_num_threads());
    }

    /// <summary>
    /// The highest of ATen's CPU dispatch levels this CPU supports (<c>avx512</c>, <c>avx2</c>, <c>default</c>), from
    /// the flags of /proc/cpuinfo with the conditions ATen checks (AVX-512 F/BW/VL/DQ; AVX2 with FMA), or
    /// <c>ATEN_CPU_CAPABILITY</c> where it is set.
    /// </summary>
    public static string CpuIsaLevel()
    {
        if (Environment.GetEnvironmentVariable(AtenCapabilityVariable) is { Length: > 0 } forced)
            return forced.Trim().ToLowerInvariant() + " (" + AtenCapabilityVariable + ")";
        return CpuIsaLevel(File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo") : []);
    }

    /// <summary>The dispatch level for the flags of the first <c>flags</c> line of a /proc/cpuinfo text.</summary>
    public static string CpuIsaLevel(IEnumerable<string> cpuinfoLines)
    {
        ArgumentNullException.ThrowIfNull(cpuinfoLines);
        var line = cpuinfoLines.FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
        if (line is null) return "unknown";
        var flags = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        if (Avx512Flags.All(flags.Contains)) return "avx512";
        if (flags.Contains("avx2") && flags.Contains("fma")) return "avx2";
        return "default";
    }

    /// <summary>The NVIDIA driver's model name of GPU <paramref name="index"/> (TorchSharp has no device-name call).</summary>
    public static string GpuModel(int index)
    {
        const string Gpus = "/proc/driver/nvidia/gpus";
        if (!Directory.Exists(Gpus)) return "unknown gpu";
        // The driver lists GPUs by PCI address, which is the order CUDA numbers them by default.
        var info = Directory.EnumerateDirectories(Gpus).Order(StringComparer.Ordinal)
            .Select(d => Path.Combine(d, "information")).Where(File.Exists).ElementAtOrDefault(index);
        var model = info is null ? null : File.ReadLines(info).FirstOrDefault(l => l.StartsWith("Model:", StringComparison.Ordinal));
        return model is null ? "unknown gpu" : model["Model:".Length..].Trim();
    }

    /// <summary>One line, e.g. <c>cpu backend, TorchSharp 0.107.0, libtorch 2.10.0, avx512, 2 threads</c>.</summary>
    public string Describe() =>
        $"{DeviceKind} on {Backend} backend, TorchSharp {TorchSharp}, libtorch {LibTorch}, {Hardware}" +
        (CpuThreads is { } threads ? $", {threads} thread(s)" : "") + (Precision is { } precision ? $", {precision} matmuls" : "");

    /// <summary>The fields in which <paramref name="other"/> differs, as <c>field: this ≠ other</c>.</summary>
    public IReadOnlyList<string> Differences(PlatformFingerprint other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var differences = new List<string>();
        void Field(string name, string? a, string? b)
        {
            if (a != b) differences.Add($"{name}: {a ?? "—"} ≠ {b ?? "—"}");
        }
        Field("backend", Backend, other.Backend);
        Field("device", DeviceKind, other.DeviceKind);
        Field("torchsharp", TorchSharp, other.TorchSharp);
        Field("libtorch", LibTorch, other.LibTorch);
        Field("hardware", Hardware, other.Hardware);
        Field("cpu_threads", CpuThreads?.ToString(Invariant.Culture), other.CpuThreads?.ToString(Invariant.Culture));
        Field("precision", Precision ?? "fp32", other.Precision ?? "fp32");
        return differences;
    }

    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["backend"] = Backend,
            ["device"] = DeviceKind,
            ["torchsharp"] = TorchSharp,
            ["libtorch"] = LibTorch,
            ["hardware"] = Hardware,
            ["cpu_threads"] = CpuThreads,
        };
        if (Precision is not null) json["precision"] = Precision;
        return json;
    }

    /// <summary>Reads what <see cref="ToJson"/> wrote; null for a missing node (results written before fingerprints).</summary>
    public static PlatformFingerprint? FromJson(JsonNode? node)
    {
        if (node is null) return null;
        var fingerprint = JsonShape.Object(node, "Fingerprint");
        string Text(string key) => JsonShape.String(fingerprint[key] ?? throw new FormatException($"Fingerprint has no '{key}'."), $"Fingerprint '{key}'");
        // cpu_threads is null on CUDA (ToJson writes it as null there).
        var threads = fingerprint["cpu_threads"] is { } t ? JsonShape.Int32(t, "Fingerprint 'cpu_threads'") : (int?)null;
        return new PlatformFingerprint(Text("backend"), Text("device"), Text("torchsharp"), Text("libtorch"), Text("hardware"), threads)
        {
            Precision = fingerprint["precision"] is { } precision ? JsonShape.String(precision, "Fingerprint 'precision'") : null,
        };
    }
}
