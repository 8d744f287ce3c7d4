using System.Text.RegularExpressions;

namespace POSLayerFreeze.Models.Hub;

/// <summary>
/// A model named on the Hugging Face Hub: <c>NAME</c> (a canonical model such as <c>distilbert-base-uncased</c>) or
/// <c>ORG/NAME</c>, optionally <c>@REVISION</c> (a branch, a tag or a commit; <c>main</c> when none is given).
/// </summary>
public sealed partial record HubModelId(string Repo, string Revision)
{
    public const string DefaultRevision = "main";

    /// <summary>The repository's folder in the cache, as huggingface_hub names it: <c>models--ORG--NAME</c>.</summary>
    public string CacheFolderName => "models--" + Repo.Replace("/", "--", StringComparison.Ordinal);

    /// <summary>True when the revision is a full commit hash (which never moves, so a cached snapshot needs no request).</summary>
    public bool RevisionIsCommit => CommitHash().IsMatch(Revision);

    public override string ToString() => Revision == DefaultRevision ? Repo : $"{Repo}@{Revision}";

    /// <summary>
    /// Reads <paramref name="spec"/> as a Hub id; false when it cannot be one (a path such as <c>./model</c> or
    /// <c>/data/x/y</c>, or a name with characters the Hub does not allow), so the caller can say what it expected.
    /// </summary>
    public static bool TryParse(string spec, out HubModelId id)
    {
        ArgumentNullException.ThrowIfNull(spec);
        id = null!;
        var at = spec.IndexOf('@', StringComparison.Ordinal);
        var repo = at < 0 ? spec : spec[..at];
        var revision = at < 0 ? DefaultRevision : spec[(at + 1)..];
        // The Hub refuses "--" and ".." in repository names; they would also make the cache folder name ambiguous.
        if (!RepoName().IsMatch(repo) || repo.Contains("--", StringComparison.Ordinal) || repo.Contains("..", StringComparison.Ordinal)) return false;
        // A revision becomes a file under refs/: no empty segment, no "." or ".." segment, no absolute path.
        if (!RevisionName().IsMatch(revision) || revision.Split('/').Any(s => s is "" or "." or "..")) return false;
        id = new HubModelId(repo, revision);
        return true;
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?$")]
    private static partial Regex RepoName();

    [GeneratedRegex(@"^[A-Za-z0-9._/-]{1,200}$")]
    private static partial Regex RevisionName();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitHash();
}
