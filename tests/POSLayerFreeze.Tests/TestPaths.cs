using POSLayerFreeze.Data;

namespace POSLayerFreeze.Tests;

/// <summary>
/// Finds the repository and the shared read-only folder (datasets, Hugging Face fixtures) from the test assembly,
/// never from the current directory. The shared folder sits beside the clone (<c>…/main</c> and <c>…/shared</c>
/// here; CI clones elsewhere with <c>shared</c> beside it). <c>POSLF_SHARED_DIR</c> overrides the search and
/// <c>POSLF_DATA_DIR</c> the dataset folder.
/// </summary>
public static class TestPaths
{
    private static readonly Lazy<string> Repo = new(() =>
        Ancestors(AppContext.BaseDirectory).FirstOrDefault(d => File.Exists(Path.Combine(d, "POSLayerFreeze.sln")))
        ?? throw new DirectoryNotFoundException($"no POSLayerFreeze.sln above {AppContext.BaseDirectory}"));

    /// <summary>Overrides the search for the shared folder (a clone with shared/ somewhere else).</summary>
    public const string SharedDirVariable = "POSLF_SHARED_DIR";

    private static readonly Lazy<string> Shared = new(() =>
        (Environment.GetEnvironmentVariable(SharedDirVariable) is { Length: > 0 } fromEnv ? fromEnv : null) ??
        Ancestors(AppContext.BaseDirectory)
            .SelectMany(d => new[] { Path.Combine(d, "shared"), Path.Combine(d, "..", "shared") })
            .Select(Path.GetFullPath)
            .FirstOrDefault(d => Directory.Exists(Path.Combine(d, "datasets", "ud-english-ewt")))
        ?? throw new DirectoryNotFoundException(
            $"no shared/datasets/ud-english-ewt found beside any folder above {AppContext.BaseDirectory}"));

    public static string RepoRoot => Repo.Value;

    public static string SharedDir => Shared.Value;

    public static string DatasetDir =>
        Environment.GetEnvironmentVariable(DatasetLocator.EnvironmentVariable) is { Length: > 0 } fromEnv
            ? fromEnv
            : Path.Combine(SharedDir, "datasets", "ud-english-ewt");

    /// <summary>shared/fixtures/hf-tiny: tiny Hugging Face checkpoints, the uncased vocab, the WordPiece reference.</summary>
    public static string FixturesDir => Path.Combine(SharedDir, "fixtures", "hf-tiny");

    private static IEnumerable<string> Ancestors(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent) yield return dir.FullName;
    }
}
