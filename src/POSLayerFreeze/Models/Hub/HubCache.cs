using System.Globalization;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Models.Hub;

/// <summary>A repository in the cache as <c>poslf doctor</c> lists it: its revisions (ref → commit) and the bytes of its blobs.</summary>
public sealed record CachedHubModel(string Repo, IReadOnlyList<(string Revision, string Commit)> Revisions, long Bytes);

/// <summary>
/// Hugging Face's own cache layout, shared with Python's transformers: <c>models--ORG--NAME/blobs/ETAG</c> holds each
/// file once, <c>snapshots/COMMIT/FILE</c> is a relative link to <c>../../blobs/ETAG</c>, <c>refs/REVISION</c> holds
/// the commit a branch or tag pointed to when last resolved, and <c>.no_exist/COMMIT/FILE</c> marks a file the Hub
/// said the commit lacks. A snapshot Python wrote is read as it is; one written here is usable by Python.
/// </summary>
public sealed class HubCache(string root, HubModelId id)
{
    public string RepoFolder { get; } = Path.Combine(root, id.CacheFolderName);

    public string BlobPath(string etag) => Path.Combine(RepoFolder, "blobs", etag);

    public string SnapshotFolder(string commit) => Path.Combine(RepoFolder, "snapshots", commit);

    private string RefPath(string revision) => Path.Combine(RepoFolder, "refs", revision);

    private string NoExistPath(string commit, string file) => Path.Combine(RepoFolder, ".no_exist", commit, file);

    /// <summary>The commit <paramref name="revision"/> resolves to without a request: itself for a commit hash, else its ref file.</summary>
    public string? CommitOf(HubModelId model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.RevisionIsCommit) return model.Revision;
        var path = RefPath(model.Revision);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }

    public void WriteRef(string revision, string commit)
    {
        var path = RefPath(revision);
        if (File.Exists(path) && File.ReadAllText(path).Trim() == commit) return;
        AtomicFile.WriteAllText(path, commit);
    }

    /// <summary>True when the snapshot has <paramref name="file"/> and it can be opened (a link to a missing blob cannot).</summary>
    public bool HasFile(string commit, string file) => File.Exists(Path.Combine(SnapshotFolder(commit), file));

    public bool KnownMissing(string commit, string file) => File.Exists(NoExistPath(commit, file));

    public void MarkMissing(string commit, string file) => AtomicFile.WriteAllText(NoExistPath(commit, file), "");

    /// <summary>
    /// Points <c>snapshots/COMMIT/FILE</c> at its blob by a relative link, as huggingface_hub does; where links cannot be
    /// made (Windows without developer mode) the blob is copied, which Python also does. The link is made under a temp
    /// name and renamed, so a reader never sees a half-made entry.
    /// </summary>
    public void Link(string commit, string file, string etag)
    {
        var target = Path.Combine(SnapshotFolder(commit), file);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var depth = file.Count(c => c == '/');
        var relative = string.Concat(Enumerable.Repeat("../", depth + 2)) + "blobs/" + etag;
        var temp = AtomicFile.TempName(target);
        try
        {
            try
            {
                File.CreateSymbolicLink(temp, relative);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                File.Copy(BlobPath(etag), temp);
            }
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp) || new FileInfo(temp).LinkTarget is not null) File.Delete(temp);
        }
    }

    /// <summary>Every model repository under <paramref name="cacheRoot"/> (datasets and spaces are left out), sorted by name.</summary>
    public static IReadOnlyList<CachedHubModel> List(string cacheRoot)
    {
        if (!Directory.Exists(cacheRoot)) return [];
        var models = new List<CachedHubModel>();
        foreach (var folder in Directory.GetDirectories(cacheRoot, "models--*").Order(StringComparer.Ordinal))
        {
            var repo = Path.GetFileName(folder)["models--".Length..].Replace("--", "/", StringComparison.Ordinal);
            var refs = Path.Combine(folder, "refs");
            var revisions = Directory.Exists(refs)
                ? Directory.GetFiles(refs, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                    .Select(f => (Path.GetRelativePath(refs, f).Replace('\\', '/'), File.ReadAllText(f).Trim())).ToList()
                : [];
            var snapshots = Path.Combine(folder, "snapshots");
            if (Directory.Exists(snapshots))
            {
                // Snapshots no ref points at (fetched by commit) are revisions too.
                foreach (var commit in Directory.GetDirectories(snapshots).Select(Path.GetFileName).Order(StringComparer.Ordinal))
                    if (revisions.All(r => r.Item2 != commit)) revisions.Add((commit!, commit!));
            }
            var blobs = Path.Combine(folder, "blobs");
            var bytes = Directory.Exists(blobs) ? new DirectoryInfo(blobs).GetFiles().Sum(f => f.Length) : 0;
            models.Add(new CachedHubModel(repo, revisions, bytes));
        }
        return models;
    }

    /// <summary>One line per cached model: <c>repo (main → 1a2b3c4, v1.0 → 5d6e7f8; 255.4 MB)</c>.</summary>
    public static string Describe(CachedHubModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var revisions = string.Join(", ", model.Revisions.Select(r => r.Revision == r.Commit ? r.Commit[..Math.Min(12, r.Commit.Length)]
            : $"{r.Revision} → {r.Commit[..Math.Min(12, r.Commit.Length)]}"));
        return string.Create(CultureInfo.InvariantCulture, $"{model.Repo} ({(revisions.Length > 0 ? revisions : "no revision")}; {model.Bytes / 1e6:F1} MB)");
    }
}
