namespace POSLayerFreeze.Models.Hub;

/// <summary>What went wrong fetching a Hub model, in one line that names the repository and what to do.</summary>
public sealed class HubException : IOException
{
    public HubException(string message) : base(message) { }

    public HubException(string message, Exception innerException) : base(message, innerException) { }

    public HubException() { }

    /// <summary>The Hub answered that the revision has no such file (EntryNotFound): an optional file is then skipped.</summary>
    public bool FileMissing { get; init; }
}

/// <summary>The endpoint could not be reached at all (no network, refused, timed out): the cache may still serve.</summary>
public sealed class HubUnreachableException(string reason, Exception inner) : IOException(reason, inner);
