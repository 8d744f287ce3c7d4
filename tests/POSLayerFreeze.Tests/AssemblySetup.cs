using System.Runtime.CompilerServices;

namespace POSLayerFreeze.Tests;

internal static class AssemblySetup
{
    /// <summary>Tests may touch TorchSharp before any library type: load the libstdc++ shim first.</summary>
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "must precede TorchSharp's first P/Invoke")]
    internal static void LoadNativeCompat() => POSLayerFreeze.Runtime.NativeCompat.EnsureLoaded();
}
