namespace POSLayerFreeze.Data;

/// <summary>Fetching UD English EWT failed where a run needed it; the message carries the cause and how to do without.</summary>
public sealed class DatasetFetchException : IOException
{
    public DatasetFetchException(string message) : base(message) { }
    public DatasetFetchException() { }
    public DatasetFetchException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>
/// The main job needs no data path: when nothing names a dataset and the per-user cache lacks EWT
/// (<see cref="DatasetLocator.UnfilledUserCache"/>), a run fills the cache first exactly as <c>poslf data fetch</c>
/// does (<see cref="DatasetFetcher"/>: pinned commit, each file placed only once its sha256 matches).
/// </summary>
public static class EwtAutoFetch
{
    /// <summary>
    /// Fetches EWT into the per-user cache if a run would read it from there and it is incomplete; progress goes to
    /// <paramref name="log"/>. Returns whether anything was fetched. A failure (offline, HTTP error, sha256 mismatch)
    /// is one <see cref="DatasetFetchException"/> line naming the cause and the settings that avoid the download.
    /// </summary>
    public static async Task<bool> EnsureAsync(string? treebankDir, string? dataDir, HttpClient http, TextWriter log,
        Func<string, string?>? environment = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(log);
        var cache = DatasetLocator.UnfilledUserCache(treebankDir, dataDir, environment);
        if (cache is null) return false;
        var fetcher = new DatasetFetcher(http, DatasetFetcher.ResolveBaseUrl(null, environment));
        log.WriteLine($"no dataset given (--treebank, --data-dir, {DatasetLocator.TreebankVariable}, {DatasetLocator.EnvironmentVariable}) " +
            $"and UD English EWT is not in the per-user cache: fetching it into {cache} (pinned commit, sha256-checked)");
        try
        {
            await fetcher.FetchAsync(cache, log, cancellationToken).ConfigureAwait(false);
        }
        // A timeout of HttpClient surfaces as a cancellation the user did not ask for: a fetch failure like the rest.
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException or UnauthorizedAccessException
                                  || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new DatasetFetchException(
                $"fetching UD English EWT into the per-user cache {cache} failed: {OneLine(e.Message)}; without network, point --data-dir " +
                $"or {DatasetLocator.EnvironmentVariable} at a folder holding en_ewt-ud-{{train,dev,test}}.conllu[.gz] (or --treebank at any UD treebank folder)",
                e);
        }
        return true;
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).TrimEnd('.');
}
