using System.Runtime.InteropServices;

namespace POSLayerFreeze.Runtime;

/// <summary>
/// Asks libtorch's CPU allocator for transparent huge pages. With <c>THP_MEM_ALLOC_ENABLE=1</c> c10 aligns every
/// allocation of 2 MB or more to 2 MB and marks it <c>MADV_HUGEPAGE</c>. A training step allocates several such
/// tensors afresh (the dense gradient of the word embeddings, 47 MB for MiniLM, once per length bucket; the
/// optimizer's denominator, 4 bytes per trainable parameter; activations of long batches); glibc serves blocks that
/// large with mmap, so each step faulted them in again 4 KB at a time. With huge pages that is one fault per 2 MB.
/// Only where memory comes from changes, never what is computed: the smoke study reproduces every golden bit for bit
/// with it (docs/specs.md), and the platform fingerprint does not record it.
/// c10 reads the variable once, at its first large allocation, so it is set here, from the assembly's module
/// initializer (<see cref="NativeCompat"/>), before TorchSharp's first native call. A value the user set — including
/// <c>0</c> to turn it off — is left alone. The kernel must allow it (<c>madvise</c> or <c>always</c> in
/// /sys/kernel/mm/transparent_hugepage/enabled); with <c>never</c> the advice is ignored and nothing changes.
/// </summary>
public static class HugePages
{
    public const string Variable = "THP_MEM_ALLOC_ENABLE";
    private const string KernelSetting = "/sys/kernel/mm/transparent_hugepage/enabled";

    /// <summary>Where the value in force came from: <c>set by poslf</c>, <c>set by the user</c>, or null before <see cref="Enable"/>.</summary>
    public static string? Source { get; private set; }

    /// <summary>Sets <c>THP_MEM_ALLOC_ENABLE=1</c> in the native environment unless it is set already. Idempotent.</summary>
    internal static void Enable()
    {
        if (Source is not null || !OperatingSystem.IsLinux()) return;
        // .NET keeps its own copy of the environment on Unix: Environment.SetEnvironmentVariable would not reach the
        // getenv of native code, so the native environment is read and written directly.
        if (getenv(Variable) != IntPtr.Zero)
        {
            Source = "set by the user";
            return;
        }
        if (setenv(Variable, "1", 0) != 0) return;
        // Keep the managed copy in step, so child processes (ProcessStartInfo copies the managed environment) and
        // `poslf doctor` see it too.
        Environment.SetEnvironmentVariable(Variable, "1");
        Source = "set by poslf";
    }

    /// <summary>One line for `poslf doctor`: the variable, where it came from, and the kernel's setting.</summary>
    public static string Describe()
    {
        var value = Environment.GetEnvironmentVariable(Variable) ?? "unset";
        var kernel = File.Exists(KernelSetting) ? KernelMode(File.ReadAllText(KernelSetting)) : "no THP in this kernel";
        return $"{Variable}={value} ({Source ?? "not set"}); kernel: {kernel}";
    }

    /// <summary>The bracketed choice of a <c>always [madvise] never</c> line, e.g. <c>madvise</c>.</summary>
    public static string KernelMode(string settingLine)
    {
        ArgumentNullException.ThrowIfNull(settingLine);
        var open = settingLine.IndexOf('[', StringComparison.Ordinal);
        var close = open < 0 ? -1 : settingLine.IndexOf(']', open + 1);
        return open >= 0 && close > open ? settingLine[(open + 1)..close] : settingLine.Trim();
    }

    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern IntPtr getenv(string name);

    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int setenv(string name, string value, int overwrite);
}
