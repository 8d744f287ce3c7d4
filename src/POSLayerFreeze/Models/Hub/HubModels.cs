namespace POSLayerFreeze.Models.Hub;

/// <summary>
/// Resolves a Hub id to a snapshot folder in the cache, downloading what is missing: each file's metadata is asked for
/// (HEAD), a blob already in the cache is reused, a missing one is downloaded and verified, then linked into
/// <c>snapshots/COMMIT/</c>. Offline (HF_HUB_OFFLINE=1) or when the endpoint cannot be reached, the cache alone
/// answers, as huggingface_hub does.
/// </summary>
public static class HubModels
{
    public static (string Folder, HubSnapshot Snapshot) Resolve(HubModelId id, HubSettings settings)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(settings);
        var cache = new HubCache(settings.CacheDirectory, id);
        // A commit never moves: a complete snapshot of it needs no request.
        if (settings.Offline || (id.RevisionIsCommit && Complete(cache, id.Revision)))
            return FromCache(id, cache, settings, reason: null);
        try
        {
            using var client = new HubClient(settings);
            return Download(id, cache, client);
        }
        catch (HubUnreachableException e)
        {
            var resolved = FromCache(id, cache, settings, reason: $"cannot reach {settings.Endpoint.Host} ({e.Message})");
            settings.Progress?.WriteLine($"poslf: warning: cannot reach {settings.Endpoint.Host}; using {id} from the cache ({resolved.Snapshot.Commit})");
            return resolved;
        }
    }

    private static (string Folder, HubSnapshot Snapshot) Download(HubModelId id, HubCache cache, HubClient client)
    {
        string? commit = null;
        var (preferred, fallback) = (HubSnapshot.WeightsFiles[0], HubSnapshot.WeightsFiles[1]);
        // config.json first: the tokenizer files to fetch depend on its model_type (read once it is in the snapshot).
        var files = new List<string> { HubSnapshot.ConfigFile };
        for (int next = 0; next < files.Count; next++)
        {
            var file = files[next];
            if (file == fallback && commit is not null && cache.HasFile(commit, preferred)) continue;
            // Every file after the first is asked for at the commit the first resolved to, so a branch that moves
            // meanwhile cannot mix two commits in one snapshot.
            HubFileMetadata metadata;
            try
            {
                metadata = client.Head(id, commit ?? id.Revision, file);
            }
            catch (HubException e) when (e.FileMissing && commit is not null && (file == HubSnapshot.OptionalFile || file == preferred))
            {
                // Like huggingface_hub: remembered as missing; pytorch_model.bin is asked for next.
                cache.MarkMissing(commit, file);
                continue;
            }
            catch (HubException e) when (e.FileMissing && file == fallback)
            {
                throw new HubException($"{id}: the repository has neither {preferred} nor {fallback} (is it a model repository with weights?)", e);
            }
            if (commit is null && metadata.Commit != id.Revision && !id.RevisionIsCommit) cache.WriteRef(id.Revision, metadata.Commit);
            commit ??= metadata.Commit;
            if (!File.Exists(cache.BlobPath(metadata.Etag))) client.Download(id, file, metadata, cache.BlobPath(metadata.Etag));
            if (!cache.HasFile(commit, file)) cache.Link(commit, file, metadata.Etag);
            if (file == HubSnapshot.ConfigFile)
                files.AddRange(HubSnapshot.RequiredFiles(cache.SnapshotFolder(commit)).Skip(1).Append(preferred).Append(fallback).Append(HubSnapshot.OptionalFile));
        }
        var folder = cache.SnapshotFolder(commit!);
        return (folder, HubSnapshot.Read(id, commit!, folder));
    }

    private static bool Complete(HubCache cache, string commit) =>
        HubSnapshot.RequiredFiles(cache.SnapshotFolder(commit)).All(f => cache.HasFile(commit, f)) && HubSnapshot.WeightsFiles.Any(f => cache.HasFile(commit, f));

    private static (string Folder, HubSnapshot Snapshot) FromCache(HubModelId id, HubCache cache, HubSettings settings, string? reason)
    {
        var why = reason ?? "HF_HUB_OFFLINE is set";
        var todo = reason is null ? "run once with network (HF_HUB_OFFLINE unset) to download it" : "check the network, or point HF_ENDPOINT at a mirror";
        var commit = cache.CommitOf(id);
        if (commit is null)
            throw new HubException($"{id}: not in the Hugging Face cache {settings.CacheDirectory} and {why}: {todo}, or set HF_HUB_CACHE to a cache that has it");
        var missing = HubSnapshot.RequiredFiles(cache.SnapshotFolder(commit)).Where(f => !cache.HasFile(commit, f))
            .Concat(HubSnapshot.WeightsFiles.Any(f => cache.HasFile(commit, f)) ? [] : [string.Join(" or ", HubSnapshot.WeightsFiles)]).ToArray();
        if (missing.Length > 0)
            throw new HubException($"{id}: the cached snapshot {cache.SnapshotFolder(commit)} lacks {string.Join(", ", missing)} and {why}: {todo}");
        var folder = cache.SnapshotFolder(commit);
        return (folder, HubSnapshot.Read(id, commit, folder));
    }
}
