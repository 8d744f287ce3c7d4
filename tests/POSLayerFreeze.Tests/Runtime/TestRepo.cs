namespace POSLayerFreeze.Tests.Runtime;

internal static class TestRepo
{
    /// <summary>The repository root: the nearest ancestor of the test assembly holding POSLayerFreeze.sln.</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "POSLayerFreeze.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException($"POSLayerFreeze.sln not found above {AppContext.BaseDirectory}");
    }
}
