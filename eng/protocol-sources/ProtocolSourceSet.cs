using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace POSLayerFreeze.ProtocolSources;

/// <summary>
/// The sources that decide what a run computes, their fingerprints (<see cref="ProtocolFingerprint"/>) and the
/// record of them kept for <c>RunSpec.ProtocolRevision</c>: protocol-sources.sha256 (one line per file, so a
/// failure names the files) and <c>RunSpec.ProtocolSourceHash</c> (all of them in one value).
/// </summary>
public static partial class ProtocolSourceSet
{
    /// <summary>Paths from the repository root; <c>folder/*.cs</c> takes every C# file of the folder. The one list:
    /// the test and eng/record-protocol-sources.sh both read it.</summary>
    public static readonly IReadOnlyList<string> Patterns =
    [
        "src/POSLayerFreeze/Training/*.cs",
        "src/POSLayerFreeze/Freezing/*.cs",
        "src/POSLayerFreeze/Tokenization/*.cs",
        "src/POSLayerFreeze/Models/BertModel.cs",
        "src/POSLayerFreeze/Models/DistilBertModel.cs",
        "src/POSLayerFreeze/Models/RobertaModel.cs",
        "src/POSLayerFreeze/Models/TokenClassifier.cs",
        "src/POSLayerFreeze/Models/Autocast.cs",
        "src/POSLayerFreeze/Models/IEncoder.cs",
        "src/POSLayerFreeze/Models/EncoderConfig.cs",
        "src/POSLayerFreeze/Models/EncoderFamily.cs",
        "src/POSLayerFreeze/Models/EncoderSurgery.cs",
        "src/POSLayerFreeze/Models/Families/*.cs",
        "src/POSLayerFreeze/Evaluation/TagMetrics.cs",
        "src/POSLayerFreeze/Experiments/RunExecutor.cs",
        "src/POSLayerFreeze/Experiments/ExperimentData.cs",
        "src/POSLayerFreeze/Runtime/SplitMix64.cs",
    ];

    public const string RecordFile = "tests/POSLayerFreeze.Tests/Experiments/protocol-sources.sha256";
    public const string RunSpecFile = "src/POSLayerFreeze/Experiments/RunSpec.cs";
    private const string Self = "eng/protocol-sources/ProtocolSourceSet.cs";

    /// <summary>The files the patterns name, repository-relative with '/', sorted ordinally. A named file that is
    /// gone (moved, renamed) is an error naming it: the guard must not quietly stop watching it.</summary>
    public static string[] Files(string repoRoot) => Patterns
        .SelectMany(pattern =>
        {
            if (pattern.EndsWith("/*.cs", StringComparison.Ordinal))
            {
                var folder = Path.Combine(repoRoot, pattern[..^5]);
                if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{Self}: protocol source folder '{pattern[..^5]}' does not exist (moved? update the list)");
                return Directory.GetFiles(folder, "*.cs").Select(f => Path.GetRelativePath(repoRoot, f).Replace('\\', '/'));
            }
            if (!File.Exists(Path.Combine(repoRoot, pattern))) throw new FileNotFoundException($"{Self}: protocol source '{pattern}' does not exist (moved? update the list)");
            return [pattern];
        })
        .Distinct().Order(StringComparer.Ordinal).ToArray();

    /// <summary>"SHA  path" lines (sha256sum's layout), sorted by path; SHA is the file's <see cref="ProtocolFingerprint"/>.</summary>
    public static string[] CurrentLines(string repoRoot) => Files(repoRoot)
        .Select(f => $"{ProtocolFingerprint.Sha256(File.ReadAllText(Path.Combine(repoRoot, f)), f)}  {f}")
        .ToArray();

    /// <summary>All lines in one value, the form <c>RunSpec.ProtocolSourceHash</c> keeps.</summary>
    public static string Combined(IEnumerable<string> lines) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n")))[..16];

    /// <summary>The record file's text for the given revision and lines.</summary>
    public static string RecordText(int revision, IEnumerable<string> lines) =>
        "# Protocol sources at RunSpec.ProtocolRevision: sha256 of each file's syntax tree without comments, whitespace or\n" +
        "# exception messages (eng/protocol-sources/ProtocolFingerprint.cs says what counts). Regenerate with\n" +
        "# `bash eng/record-protocol-sources.sh` only with a revision bump, or after a change proven not to alter any run.\n" +
        $"# revision {revision.ToString(CultureInfo.InvariantCulture)}\n" +
        string.Concat(lines.Select(l => l + "\n"));

    /// <summary>Writes the record and RunSpec.ProtocolSourceHash for the revision RunSpec.cs declares; returns
    /// "rev N hash H".</summary>
    public static string Record(string repoRoot)
    {
        var runSpecPath = Path.Combine(repoRoot, RunSpecFile);
        var runSpec = File.ReadAllText(runSpecPath);
        var revision = RevisionPattern().Match(runSpec) is { Success: true } r
            ? int.Parse(r.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new InvalidDataException($"{RunSpecFile}: no 'public const int ProtocolRevision = N;'");
        if (!HashPattern().IsMatch(runSpec)) throw new InvalidDataException($"{RunSpecFile}: no 'public const string ProtocolSourceHash = \"…\";'");
        var lines = CurrentLines(repoRoot);
        var combined = Combined(lines);
        File.WriteAllText(Path.Combine(repoRoot, RecordFile), RecordText(revision, lines));
        File.WriteAllText(runSpecPath, HashPattern().Replace(runSpec, $"public const string ProtocolSourceHash = \"{combined}\";", 1));
        return $"rev {revision.ToString(CultureInfo.InvariantCulture)} hash {combined}";
    }

    [GeneratedRegex(@"public const int ProtocolRevision = ([0-9]+);")]
    private static partial Regex RevisionPattern();

    [GeneratedRegex("public const string ProtocolSourceHash = \"[0-9a-f]*\";")]
    private static partial Regex HashPattern();
}
