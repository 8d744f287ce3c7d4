namespace POSLayerFreeze.Specs;

/// <summary>
/// Finds the clone and the shared folder from the spec assembly, never from the current directory (a test host's
/// current directory is its output folder under <c>dotnet test</c>, the caller's when the app runs directly).
/// </summary>
internal static class SpecPaths
{
    private const string SolutionFile = "POSLayerFreeze.sln";

    /// <summary>The clone holding the spec assembly, or null where the app was copied elsewhere (a GPU machine).</summary>
    public static string? RepoRoot => Ancestors(AppContext.BaseDirectory).FirstOrDefault(d => File.Exists(Path.Combine(d, SolutionFile)));

    /// <summary>shared/datasets/ud-english-ewt in or beside a folder above the assembly, or null (the library then looks in its cache).</summary>
    public static string? SharedDataset() =>
        Ancestors(AppContext.BaseDirectory)
            .SelectMany(d => new[] { Path.Combine(d, "shared"), Path.Combine(d, "..", "shared") })
            .Select(d => Path.GetFullPath(Path.Combine(d, "datasets", "ud-english-ewt")))
            .FirstOrDefault(Directory.Exists);

    /// <summary>A relative path is taken from the clone's root (as CI writes it), else from the current directory.</summary>
    public static string FromRepoRoot(string path) =>
        Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(RepoRoot ?? Environment.CurrentDirectory, path));

    private static IEnumerable<string> Ancestors(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent) yield return dir.FullName;
    }
}
