using System.Runtime.CompilerServices;

namespace POSLayerFreeze.Specs;

internal static class AssemblySetup
{
    /// <summary>Specs touch TorchSharp through the library: load the libstdc++ shim before its first P/Invoke.</summary>
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "must precede TorchSharp's first P/Invoke")]
    internal static void LoadNativeCompat() => POSLayerFreeze.Runtime.NativeCompat.EnsureLoaded();
}
