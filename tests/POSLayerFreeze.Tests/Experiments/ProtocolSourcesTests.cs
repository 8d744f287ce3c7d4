using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using POSLayerFreeze.Experiments;

namespace POSLayerFreeze.Tests.Experiments;

/// <summary>
/// A change to the code that decides a run's numbers must bump <see cref="RunSpec.ProtocolRevision"/>, or resumable
/// sweeps and reused spec runs would keep results the new code would not produce. The sources' sha256 are taken at
/// build time (HashProtocolSources in the csproj); <see cref="RunSpec.ProtocolSourceHash"/> records them for the
/// current revision, and protocol-sources.sha256 beside this file lists them per file so a failure names the files.
/// </summary>
public class ProtocolSourcesTests
{
    private static string RecordPath => Path.Combine(TestPaths.RepoRoot, "tests", "POSLayerFreeze.Tests", "Experiments", "protocol-sources.sha256");

    /// <summary>"SHA  path" lines (sha256sum's format), sorted by path, paths from the repository root.</summary>
    internal static string[] CurrentLines() => ProtocolSourceHashes.AtBuild
        .Select(f => (Path: f.Path.Replace('\\', '/').Replace("../../", "", StringComparison.Ordinal), Sha: f.Sha256.ToLowerInvariant()))
        .OrderBy(f => f.Path, StringComparer.Ordinal)
        .Select(f => $"{f.Sha}  {f.Path}").ToArray();

    internal static string Combined(IEnumerable<string> lines) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n")))[..16];

    [Test]
    public void Protocol_sources_match_the_revision_they_were_recorded_for()
    {
        var current = CurrentLines();
        Assert.That(current, Has.Length.GreaterThan(15), "the build hashed the protocol sources");
        var recorded = File.Exists(RecordPath) ? File.ReadAllLines(RecordPath).Where(l => !l.StartsWith('#') && l.Length > 0).ToArray() : [];
        var recordedRevision = File.Exists(RecordPath)
            ? File.ReadLines(RecordPath).Where(l => l.StartsWith("# revision ", StringComparison.Ordinal)).Select(l => int.Parse(l[11..], CultureInfo.InvariantCulture)).FirstOrDefault()
            : 0;
        var combined = Combined(current);
        if (combined == RunSpec.ProtocolSourceHash && current.SequenceEqual(recorded) && recordedRevision == RunSpec.ProtocolRevision) return;

        var before = recorded.ToDictionary(l => l[66..], l => l[..64], StringComparer.Ordinal);
        var now = current.ToDictionary(l => l[66..], l => l[..64], StringComparer.Ordinal);
        var changed = now.Keys.Union(before.Keys).Order(StringComparer.Ordinal)
            .Where(p => !before.TryGetValue(p, out var b) || !now.TryGetValue(p, out var n) || b != n)
            .Select(p => before.ContainsKey(p) ? now.ContainsKey(p) ? $"changed: {p}" : $"removed: {p}" : $"added: {p}").ToArray();
        var howTo = $"record the new state (bash eng/record-protocol-sources.sh does it): RunSpec.ProtocolSourceHash = \"{combined}\" and write {RecordPath} as\n" +
                    $"# revision {RunSpec.ProtocolRevision}\n{string.Join("\n", current)}";
        if (recordedRevision == RunSpec.ProtocolRevision && changed.Length > 0)
            Assert.Fail($"protocol sources changed while RunSpec.ProtocolRevision stayed {RunSpec.ProtocolRevision}:\n  {string.Join("\n  ", changed)}\n" +
                        $"If the change can alter any run's numbers, bump RunSpec.ProtocolRevision; then {howTo}");
        Assert.Fail($"RunSpec.ProtocolRevision {RunSpec.ProtocolRevision} / ProtocolSourceHash {RunSpec.ProtocolSourceHash} do not match the recorded sources (revision {recordedRevision}{(changed.Length > 0 ? "; " + string.Join(", ", changed) : "")}); {howTo}");
    }

    [Test]
    public void The_check_would_notice_an_edited_file()
    {
        var current = CurrentLines();
        var edited = current.ToArray();
        edited[0] = new string('0', 64) + edited[0][64..];
        Assert.That(Combined(edited), Is.Not.EqualTo(Combined(current)));
        Assert.That(current.Any(l => l.EndsWith("src/POSLayerFreeze/Training/Trainer.cs", StringComparison.Ordinal)), Is.True);
    }
}
