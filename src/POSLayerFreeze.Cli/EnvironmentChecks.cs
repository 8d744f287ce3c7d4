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
        _ => HubCacheModels(),
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

    /// <summary>The models in Hugging Face's cache (shared with Python), which <c>--model ID</c> uses without downloading.</summary>
    private static DoctorCheck HubCacheModels()
    {
        var settings = Models.Hub.HubSettings.FromEnvironment();
        var models = Models.Hub.HubCache.List(settings.CacheDirectory);
        var mode = settings.Offline ? "HF_HUB_OFFLINE: cache only" : $"downloads from {settings.Endpoint.Host}";
        var listed = models.Count == 0 ? "no model yet" : string.Join("; ", models.Select(Models.Hub.HubCache.Describe));
        return new DoctorCheck("hub models", $"{settings.CacheDirectory} ({mode}): {listed}", Ok: true, Required: false);
    }

    private static DoctorCheck DefaultModel()
    {
        var source = ModelCatalog.Resolve(ModelCatalog.DefaultModel);
        return new DoctorCheck("model", $"{source.Name}: {source.Config.ModelType}, {source.Config.NumLayers} layers, hidden {source.Config.HiddenSize} (weights cached at {source.Directory})",
            Ok: true, Required: true);
    }
}
