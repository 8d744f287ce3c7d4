namespace POSLayerFreeze.Data;

/// <summary>Where a dataset directory came from, so errors can say which setting pointed there.</summary>
public enum DatasetSource
{
    DataDirOption,
    EnvironmentVariable,
    UserCache,
}

public sealed record LocatedDirectory(string Directory, DatasetSource Source);

/// <summary>Raised when a split's file is not where the data was looked for; the message says how to fix it.</summary>
public sealed class DatasetNotFoundException : FileNotFoundException
{
    public DatasetNotFoundException(string message) : base(message) { }
    public DatasetNotFoundException() { }
    public DatasetNotFoundException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>
/// Finds UD English EWT: an explicit <c>--data-dir</c> wins, then the <c>POSLF_DATA_DIR</c> environment variable,
/// then the per-user cache that <c>poslf data fetch</c> fills (<c>$XDG_CACHE_HOME/poslayerfreeze/ud-english-ewt</c>,
/// else <c>~/.cache/poslayerfreeze/ud-english-ewt</c>). The first one that is set is used: a wrong explicit
/// setting is reported, not silently replaced by another location.
/// </summary>
public static class DatasetLocator
{
    public const string EnvironmentVariable = "POSLF_DATA_DIR";

    /// <summary>Any UD treebank folder (as <c>--treebank</c>); an explicit <c>--data-dir</c> still wins over it.</summary>
    public const string TreebankVariable = "POSLF_TREEBANK";

    public static string UserCacheDirectory(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var xdg = environment("XDG_CACHE_HOME");
        var root = !string.IsNullOrEmpty(xdg)
            ? xdg
            : Path.Combine(environment("HOME") is { Length: > 0 } home
                ? home
                : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "poslayerfreeze", "ud-english-ewt");
    }

    public static LocatedDirectory ResolveDirectory(string? dataDir, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (!string.IsNullOrEmpty(dataDir)) return new(Path.GetFullPath(dataDir), DatasetSource.DataDirOption);
        var fromEnv = environment(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnv)) return new(Path.GetFullPath(fromEnv), DatasetSource.EnvironmentVariable);
        return new(UserCacheDirectory(environment), DatasetSource.UserCache);
    }

    /// <summary>
    /// The treebank a run reads: <c>--treebank</c> (any UD folder), else <c>--data-dir</c> (EWT), else
    /// <c>POSLF_TREEBANK</c>, else EWT from <c>POSLF_DATA_DIR</c> or the per-user cache. Options beat environment
    /// variables; giving both options is an error rather than a guess.
    /// </summary>
    public static Treebank LocateTreebank(string? treebankDir, string? dataDir, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (!string.IsNullOrEmpty(treebankDir) && !string.IsNullOrEmpty(dataDir))
            throw new ArgumentException("give --treebank (any UD treebank folder) or --data-dir (UD English EWT), not both");
        if (!string.IsNullOrEmpty(treebankDir)) return Treebank.FromFolder(treebankDir, "--treebank");
        if (string.IsNullOrEmpty(dataDir) && environment(TreebankVariable) is { Length: > 0 } fromEnv)
            return Treebank.FromFolder(fromEnv, $"from {TreebankVariable}");
        return Treebank.Ewt(ResolveDirectory(dataDir, environment));
    }

    /// <summary>
    /// The per-user cache folder when a run would read EWT from it — no <c>--treebank</c>, <c>--data-dir</c>,
    /// <see cref="TreebankVariable"/> or <see cref="EnvironmentVariable"/> — and it lacks a split's file (plain or
    /// gzip); otherwise null. Only then may a run fill it by itself: a folder the user named is never written to.
    /// </summary>
    public static string? UnfilledUserCache(string? treebankDir, string? dataDir, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (!string.IsNullOrEmpty(treebankDir) || !string.IsNullOrEmpty(dataDir)) return null;
        if (!string.IsNullOrEmpty(environment(TreebankVariable)) || !string.IsNullOrEmpty(environment(EnvironmentVariable))) return null;
        var cache = UserCacheDirectory(environment);
        var complete = EwtDataset.Splits.All(s => File.Exists(Path.Combine(cache, s.FileName)) || File.Exists(Path.Combine(cache, s.FileName + ".gz")));
        return complete ? null : cache;
    }

    /// <summary>Resolves the directory and returns the split's file in it.</summary>
    public static string Locate(string split, string? dataDir, Func<string, string?>? environment = null)
    {
        var located = ResolveDirectory(dataDir, environment);
        return FindSplitFile(located.Directory, EwtDataset.Split(split), located.Source);
    }

    internal static string FindSplitFile(string directory, EwtSplit split, DatasetSource? source)
    {
        var plain = Path.Combine(directory, split.FileName);
        if (File.Exists(plain)) return plain;
        var gz = plain + ".gz";
        if (File.Exists(gz)) return gz;
        var from = source switch
        {
            DatasetSource.DataDirOption => " (given with --data-dir)",
            DatasetSource.EnvironmentVariable => $" (from {EnvironmentVariable})",
            DatasetSource.UserCache => " (the per-user cache)",
            _ => "",
        };
        throw new DatasetNotFoundException(
            $"UD English EWT {split.Name} split not found: neither {split.FileName} nor {split.FileName}.gz is in {directory}{from}. " +
            $"Point --data-dir or the {EnvironmentVariable} environment variable at a folder holding the en_ewt-ud-*.conllu[.gz] files, " +
            "or run `poslf data fetch` to download them into the per-user cache.");
    }
}
