using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace POSLayerFreeze.Runtime;

/// <summary>
/// Makes TorchSharp's native binding loadable on systems whose libstdc++ predates GLIBCXX_3.4.32 (Debian 12).
/// The build (eng/glibcxx-compat/apply.sh) weakens that one version requirement in the output copy of
/// libLibTorchSharp.so and puts a shim exporting the one symbol behind it beside our assemblies. Here, before
/// TorchSharp's first native call, the shim is loaded with RTLD_GLOBAL so the symbol resolves from it.
/// On systems with a new enough libstdc++ nothing is loaded.
/// </summary>
public static class NativeCompat
{
    public const string RequiredGlibcxx = "GLIBCXX_3.4.32";
    public const string ShimFileName = "libglibcxx_3.4.32_shim.so";
    private const int RtldNow = 0x2;
    private const int RtldGlobal = 0x100;
    private static readonly Lock Gate = new();
    private static bool s_done;

    /// <summary>True when the shim was loaded into this process.</summary>
    public static bool ShimLoaded { get; private set; }

    /// <summary>Path of the shim when one was found beside the assemblies (whether or not it was needed).</summary>
    public static string? ShimPath { get; private set; }

    /// <summary>True when the system libstdc++ defines GLIBCXX_3.4.32 itself.</summary>
    public static bool SystemHasRequiredGlibcxx { get; private set; }

    /// <summary>Loaded automatically with this assembly; idempotent.</summary>
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "must run before TorchSharp's first P/Invoke")]
    internal static void Initialize() => EnsureLoaded();

    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (s_done) return;
            s_done = true;
            if (!OperatingSystem.IsLinux()) return;
            SystemHasRequiredGlibcxx = LibStdCxxDefines(RequiredGlibcxx);
            var candidate = Path.Combine(AppContext.BaseDirectory, ShimFileName);
            ShimPath = File.Exists(candidate) ? candidate : null;
            if (SystemHasRequiredGlibcxx || ShimPath is null) return;
            var handle = dlopen(ShimPath, RtldNow | RtldGlobal);
            if (handle == IntPtr.Zero)
            {
                throw new InvalidOperationException($"Could not load the libstdc++ compatibility shim {ShimPath}: {Marshal.PtrToStringAnsi(dlerror())}");
            }
            ShimLoaded = true;
        }
    }

    /// <summary>Highest GLIBCXX_3.4.N the system libstdc++ defines (probing versioned symbols), or null.</summary>
    public static string? LibStdCxxLevel()
    {
        if (!OperatingSystem.IsLinux()) return null;
        var lib = dlopen("libstdc++.so.6", RtldNow);
        if (lib == IntPtr.Zero) return null;
        // One symbol introduced by each recent GLIBCXX level (from libstdc++'s own symbol map).
        (string Version, string Symbol)[] probes =
        [
            ("GLIBCXX_3.4.34", "_ZNSt8__format25__locale_is_utf8EPKc"),
            ("GLIBCXX_3.4.33", "_ZNKSt12__basic_fileIcE13native_handleEv"),
            ("GLIBCXX_3.4.32", "_ZSt21ios_base_library_initv"),
            ("GLIBCXX_3.4.31", "_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE15_M_replace_coldEPcmPKcmm"),
            ("GLIBCXX_3.4.30", "_ZSt21__glibcxx_assert_failPKciS0_S0_"),
            ("GLIBCXX_3.4.29", "_ZNKSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE7_M_moveEPcPKcm"),
        ];
        foreach (var (version, symbol) in probes)
        {
            if (dlvsym(lib, symbol, version) != IntPtr.Zero) return version;
        }
        return "older than GLIBCXX_3.4.29";
    }

    private static bool LibStdCxxDefines(string version)
    {
        var lib = dlopen("libstdc++.so.6", RtldNow);
        return lib != IntPtr.Zero && dlvsym(lib, "_ZSt21ios_base_library_initv", version) != IntPtr.Zero;
    }

    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern IntPtr dlopen(string file, int mode);

    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern IntPtr dlvsym(IntPtr handle, string symbol, string version);

    [DllImport("libc")]
    private static extern IntPtr dlerror();
}
