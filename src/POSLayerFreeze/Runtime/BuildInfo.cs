using System.Reflection;

namespace POSLayerFreeze.Runtime;

/// <summary>Facts stamped into the assembly at build time (Directory.Build.targets).</summary>
public static class BuildInfo
{
    public static string Commit =>
        typeof(BuildInfo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "Commit")?.Value is { Length: > 0 } c
            ? c : "unknown";
}
