using POSLayerFreeze.Data;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Cli;

/// <summary>The doctor's checks that need the layers above Runtime: where the dataset and the default model are.</summary>
internal static class EnvironmentChecks
{
    public static IEnumerable<Func<string?, DoctorCheck>> All =>
    [
        Dataset,
        _ => DefaultModel(),
    ];

    private static DoctorCheck Dataset(string? dataDir)
    {
        // Nothing named and an empty cache is no reason not to train: `poslf run` fetches EWT there first.
        if (DatasetLocator.UnfilledUserCache(treebankDir: null, dataDir) is { } cache)
        {
            return new DoctorCheck("dataset",
                $"UD English EWT is not in the per-user cache {cache} yet: `poslf run` downloads it there on first use (pinned commit, sha256-checked; " +
                $"needs network, else point --data-dir or {DatasetLocator.EnvironmentVariable} at a copy)", Ok: false, Required: false);
        }
        try
        {
            var located = DatasetLocator.ResolveDirectory(dataDir);
            var files = EwtDataset.Splits.Select(s => Path.GetFileName(DatasetLocator.Locate(s.Name, dataDir))).ToArray();
            return new DoctorCheck("dataset", $"{located.Directory} (from {located.Source}): {string.Join(", ", files)}", Ok: true, Required: true);
        }
        catch (Exception e) when (e is DatasetNotFoundException or FileNotFoundException or DirectoryNotFoundException)
        {
            return new DoctorCheck("dataset", e.Message, Ok: false, Required: true);
        }
    }

    private static DoctorCheck DefaultModel()
    {
        var source = ModelCatalog.Resolve(ModelCatalog.DefaultModel);
        return new DoctorCheck("model", $"{source.Name}: {source.Config.ModelType}, {source.Config.NumLayers} layers, hidden {source.Config.HiddenSize} (weights cached at {source.Directory})",
            Ok: true, Required: true);
    }
}
