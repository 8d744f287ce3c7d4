namespace POSLayerFreeze.Data;

/// <summary>What one split of UD English EWT must be: counts and the sha256 of the uncompressed file.</summary>
public sealed record EwtSplit(string Name, int Sentences, int Words, string Sha256)
{
    public string FileName => $"{EwtDataset.Name}-ud-{Name}.conllu";
}

/// <summary>
/// UD English EWT at commit 15d613d8 (release 2.16 snapshot) in one directory; the expected values come from the
/// dataset's README so a changed or partial download is noticed.
/// </summary>
public sealed class EwtDataset
{
    /// <summary>The treebank's name as its files spell it (<c>en_ewt-ud-*.conllu</c>).</summary>
    public const string Name = "en_ewt";

    public static IReadOnlyList<EwtSplit> Splits { get; } =
    [
        new("train", 12_544, 204_577, "3fb78e2b55482c8ee00caa653af436c88c9e5bc9a73ce26e4ae3ddc79d2b7e7b"),
        new("dev", 2_001, 25_147, "531a54ff90d6ab12201c5a50c3e78e6ddac4de69abc4bce5d275d3cd29efe2b6"),
        new("test", 2_077, 25_094, "e266e515a0a7547657ed3d90d9ba46487d6bd251f27ad4269d4e8a427c8555cd"),
    ];

    public EwtDataset(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = Path.GetFullPath(directory);
    }

    public string Directory { get; }

    /// <summary>Resolves the directory as <see cref="DatasetLocator"/> does (--data-dir, env var, cache).</summary>
    public static EwtDataset Locate(string? dataDir, Func<string, string?>? environment = null) =>
        new(DatasetLocator.ResolveDirectory(dataDir, environment).Directory);

    public static EwtSplit Split(string name) =>
        Splits.FirstOrDefault(s => s.Name == name)
        ?? throw new ArgumentException($"unknown split '{name}' (expected train, dev or test)", nameof(name));

    /// <summary>The file of a split here (.conllu or .conllu.gz); the error says how to provide it.</summary>
    public string PathOf(string split) => DatasetLocator.FindSplitFile(Directory, Split(split), source: null);

    public IReadOnlyList<ConlluSentence> Load(string split) => [.. ConlluReader.Read(PathOf(split))];
}
