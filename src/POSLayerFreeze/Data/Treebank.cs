using System.Text.Json.Nodes;

namespace POSLayerFreeze.Data;

/// <summary>One split's file: what a run read, so results and the inputs hash can name it (sha256 of the uncompressed content).</summary>
public sealed record SplitFile(string Split, string FileName, string Sha256);

/// <summary>The three files a run read, identified by content: the treebank part of a run's inputs.</summary>
public sealed record DatasetIdentity(string Treebank, SplitFile Train, SplitFile Dev, SplitFile Test)
{
    public IEnumerable<SplitFile> Splits => [Train, Dev, Test];

    /// <summary>"split:sha256" per split: for EWT exactly what the inputs hash held before any treebank could be chosen,
    /// so EWT runs keep their hash; another treebank's files differ in content, hence in hash.</summary>
    public JsonArray ToHashJson() => new(Splits.Select(s => (JsonNode)JsonValue.Create($"{s.Split}:{s.Sha256}")).ToArray());
}

/// <summary>
/// A Universal Dependencies treebank in one folder: exactly one <c>*-ud-train.conllu[.gz]</c>, one <c>*-ud-dev…</c>
/// and one <c>*-ud-test…</c> (the release layout of every UD repository). Its name is the files' common prefix
/// (<c>fr_sequoia</c>, <c>en_lines</c>, <c>en_ewt</c>). <see cref="PathOf"/> is the file each split is read from, so
/// whatever hashes or reads the data uses the same files.
/// </summary>
public sealed class Treebank
{
    public static IReadOnlyList<string> SplitNames { get; } = ["train", "dev", "test"];

    private readonly IReadOnlyDictionary<string, string> _paths;
    private readonly Lazy<DatasetIdentity> _identity;

    private Treebank(string name, string directory, IReadOnlyDictionary<string, string> paths)
    {
        Name = name;
        Directory = directory;
        _paths = paths;
        _identity = new(() =>
        {
            SplitFile File(string split) => new(split, Path.GetFileName(_paths[split]), Runtime.FileFingerprint.Sha256(_paths[split]));
            return new DatasetIdentity(Name, File("train"), File("dev"), File("test"));
        }, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The files' prefix before <c>-ud-</c>, e.g. <c>fr_sequoia</c>.</summary>
    public string Name { get; }

    public string Directory { get; }

    /// <summary>The split files (absolute paths) in train, dev, test order.</summary>
    public IReadOnlyList<string> Files => SplitNames.Select(s => _paths[s]).ToArray();

    /// <summary>Content hashes of the three files (computed once, on first use).</summary>
    public DatasetIdentity Identity => _identity.Value;

    public string PathOf(string split) =>
        _paths.TryGetValue(split, out var path) ? path
            : throw new ArgumentException($"unknown split '{split}' (expected train, dev or test)", nameof(split));

    public IReadOnlyList<ConlluSentence> Load(string split) => [.. ConlluReader.Read(PathOf(split))];

    /// <summary>
    /// Any UD treebank folder. <paramref name="origin"/> names the setting that pointed here (<c>--treebank</c>,
    /// <c>POSLF_TREEBANK</c>) for the error when the folder lacks a split, holds several candidates for one, or
    /// mixes treebanks.
    /// </summary>
    public static Treebank FromFolder(string directory, string origin)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var full = Path.GetFullPath(directory);
        if (File.Exists(full))
            throw new DatasetNotFoundException($"{full} is a file, not a treebank folder: give the folder holding its *-ud-train/dev/test.conllu files ({origin})");
        if (!System.IO.Directory.Exists(full))
            throw new DatasetNotFoundException($"treebank folder {full} does not exist ({origin})");
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        var prefixes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var split in SplitNames)
        {
            var candidates = System.IO.Directory.EnumerateFiles(full)
                .Where(p => Path.GetFileName(p) is var f
                    && (f.EndsWith($"-ud-{split}.conllu", StringComparison.Ordinal) || f.EndsWith($"-ud-{split}.conllu.gz", StringComparison.Ordinal)))
                .Order(StringComparer.Ordinal).ToArray();
            if (candidates.Length == 0)
                throw new DatasetNotFoundException($"no *-ud-{split}.conllu or *-ud-{split}.conllu.gz in {full} ({origin})");
            if (candidates.Length > 1)
                throw new DatasetNotFoundException(
                    $"several {split} files in {full}: {string.Join(", ", candidates.Select(Path.GetFileName))}; keep exactly one ({origin})");
            paths[split] = candidates[0];
            var fileName = Path.GetFileName(candidates[0]);
            prefixes[split] = fileName[..fileName.IndexOf($"-ud-{split}.conllu", StringComparison.Ordinal)];
        }
        var distinct = prefixes.Values.Distinct(StringComparer.Ordinal).ToArray();
        if (distinct.Length != 1)
        {
            throw new DatasetNotFoundException(
                $"the split files in {full} belong to different treebanks ({string.Join(", ", SplitNames.Select(s => $"{s}: {prefixes[s]}"))}) ({origin})");
        }
        if (distinct[0].Length == 0)
            throw new DatasetNotFoundException($"the split files in {full} have no treebank name before -ud- ({origin})");
        return new Treebank(distinct[0], full, paths);
    }

    /// <summary>UD English EWT in a folder found by <see cref="DatasetLocator"/> (its fixed file names, plain or gzip).</summary>
    public static Treebank Ewt(LocatedDirectory located)
    {
        ArgumentNullException.ThrowIfNull(located);
        var paths = EwtDataset.Splits.ToDictionary(s => s.Name, s => DatasetLocator.FindSplitFile(located.Directory, s, located.Source), StringComparer.Ordinal);
        return new Treebank(EwtDataset.Name, located.Directory, paths);
    }
}
