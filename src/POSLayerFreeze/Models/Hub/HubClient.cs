using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Models.Hub;

/// <summary>What the Hub says about one file at one revision, before any byte of it is fetched.</summary>
/// <param name="Etag">sha256 of an LFS file (X-Linked-Etag), else the git blob sha1 (ETag); quotes removed.</param>
/// <param name="Location">Where the bytes are: a CDN address for a large file, else the resolve URL itself.</param>
public sealed record HubFileMetadata(string Commit, string Etag, long? Size, Uri Location);

/// <summary>
/// The download half of huggingface_hub's protocol: <c>HEAD {endpoint}/{repo}/resolve/{revision}/{file}</c> gives the
/// commit (X-Repo-Commit) and the file's identity (X-Linked-Etag for LFS files, else ETag) without following a
/// redirect to another host, since a large file's metadata is on the first response and the CDN's ETag is not it;
/// then a GET fetches the bytes into the blob, checked against that identity before it is renamed into place.
/// </summary>
public sealed partial class HubClient : IDisposable
{
    private const int MaxRelativeRedirects = 5;
    private readonly HubSettings _settings;
    private readonly HttpClient _http;

    public HubClient(HubSettings settings)
    {
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        // Redirects are followed by hand: relative ones (a renamed repository) for HEAD, any for the GET of the bytes.
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(10) };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public void Dispose() => _http.Dispose();

    public HubFileMetadata Head(HubModelId id, string commitOrRevision, string file)
    {
        ArgumentNullException.ThrowIfNull(id);
        var url = new Uri($"{_settings.Endpoint.AbsoluteUri.TrimEnd('/')}/{id.Repo}/resolve/{Uri.EscapeDataString(commitOrRevision)}/{file}");
        for (var hop = 0; ; hop++)
        {
            using var response = Send(HttpMethod.Head, url, TimeSpan.FromSeconds(30));
            var location = response.Headers.Location;
            if ((int)response.StatusCode is >= 300 and < 400 && location is not null && !location.IsAbsoluteUri && hop < MaxRelativeRedirects)
            {
                url = new Uri(url, location);
                continue;
            }
            if ((int)response.StatusCode >= 400) throw Refusal(id, file, response);
            var commit = Header(response, "X-Repo-Commit");
            var etag = Header(response, "X-Linked-Etag") ?? Header(response, "ETag");
            if (commit is null || etag is null)
                throw new HubException($"{id}: {url} answered without {(commit is null ? "X-Repo-Commit" : "an ETag")}, so it is not a Hugging Face Hub endpoint (check HF_ENDPOINT)");
            var sizeText = Header(response, "X-Linked-Size");
            long? size = sizeText is not null && long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : response.Content.Headers.ContentLength;
            etag = NormalizeEtag(etag);
            // Both become file names in the cache.
            if (!SafeName().IsMatch(commit) || !SafeName().IsMatch(etag))
                throw new HubException($"{id}: {url} answered with a commit or ETag that is not a hash; check HF_ENDPOINT");
            return new HubFileMetadata(commit, etag, size, location is null ? url : new Uri(url, location));
        }
    }

    /// <summary>
    /// Streams the file into <paramref name="blobPath"/> atomically (a temp name in the same folder, renamed when
    /// complete and verified): an interrupted or killed download leaves no file under the blob's name.
    /// </summary>
    public void Download(HubModelId id, string file, HubFileMetadata metadata, string blobPath)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(metadata);
        var url = metadata.Location;
        for (var hop = 0; ; hop++)
        {
            using var response = Send(HttpMethod.Get, url, timeout: null);
            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } next && hop < MaxRelativeRedirects)
            {
                url = new Uri(url, next);
                continue;
            }
            if ((int)response.StatusCode >= 400) throw Refusal(id, file, response);
            var total = metadata.Size ?? response.Content.Headers.ContentLength;
            try
            {
                AtomicFile.Write(blobPath, output => Copy(id, file, metadata, response.Content.ReadAsStream(), output, total));
            }
            catch (Exception e) when (e is IOException and not HubException || e is HttpRequestException)
            {
                throw new HubException($"{id}: the download of {file} broke off ({e.Message}); nothing was kept, run again to retry", e);
            }
            return;
        }
    }

    private void Copy(HubModelId id, string file, HubFileMetadata metadata, Stream input, Stream output, long? total)
    {
        // An LFS file's etag is its sha256; a small file's is the git blob sha1 ("blob LENGTH\0" + bytes).
        var lfs = metadata.Etag.Length == 64;
        using var hash = IncrementalHash.CreateHash(lfs ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA1);
        if (!lfs && total is { } length) hash.AppendData(System.Text.Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"blob {length}\0")));
        var buffer = new byte[1 << 16];
        long done = 0;
        var progress = new HubProgress(_settings.Progress, $"{id} {file}", total);
        int read;
        while ((read = input.Read(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            output.Write(buffer, 0, read);
            done += read;
            progress.Report(done);
        }
        progress.Finish(done);
        if (total is { } expected && done != expected)
            throw new HubException(string.Create(CultureInfo.InvariantCulture,
                $"{id}: the download of {file} broke off after {done} of {expected} bytes; nothing was kept, run again to retry"));
        var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
        var verifiable = metadata.Etag.Length == 64 || (metadata.Etag.Length == 40 && total is not null);
        if (verifiable && !string.Equals(actual, metadata.Etag, StringComparison.OrdinalIgnoreCase))
            throw new HubException($"{id}: {file} downloaded with the wrong checksum ({(lfs ? "sha256" : "git sha1")} {actual}, the Hub says {metadata.Etag}); nothing was kept: run again, and if it repeats check HF_ENDPOINT or the proxy in between");
    }

    private HttpResponseMessage Send(HttpMethod method, Uri url, TimeSpan? timeout)
    {
        using var request = new HttpRequestMessage(method, url);
        // The token goes to the Hub's own host, never to the CDN a large file redirects to.
        if (_settings.Token is { } token && string.Equals(url.Host, _settings.Endpoint.Host, StringComparison.OrdinalIgnoreCase))
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        request.Headers.UserAgent.ParseAdd("poslf");
        using var cancel = timeout is { } t ? new CancellationTokenSource(t) : new CancellationTokenSource();
        try
        {
            return _http.Send(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        }
        catch (Exception e) when (e is HttpRequestException { StatusCode: null } or TaskCanceledException)
        {
            throw new HubUnreachableException(e is TaskCanceledException ? $"{url.Host} did not answer in time" : e.Message, e);
        }
    }

    private HubException Refusal(HubModelId id, string file, HttpResponseMessage response)
    {
        var code = Header(response, "X-Error-Code");
        var status = (int)response.StatusCode;
        var tokenHint = _settings.Token is null ? "set HF_TOKEN to a token that may read it" : "check that HF_TOKEN's account may read it";
        var missing = code == "EntryNotFound" || (code is null && response.StatusCode is HttpStatusCode.NotFound);
        return new HubException(code switch
        {
            // Asked only once no folder of that name exists (ModelCatalog.Resolve), so a mistyped path reads right too.
            "RepoNotFound" => $"{id.Repo}: no such model repository on {_settings.Endpoint.Host}, nor a folder of that name here (check the name; if it is private, {tokenHint})",
            "RevisionNotFound" => $"{id.Repo}: no revision '{id.Revision}' (name an existing branch, tag or commit after '@')",
            "EntryNotFound" => $"{id}: the repository has no {file}",
            "GatedRepo" => $"{id.Repo}: a gated model: accept its conditions on its Hub page, then {tokenHint}",
            _ when response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
                string.Create(CultureInfo.InvariantCulture, $"{id.Repo}: access refused (HTTP {status}): {tokenHint}"),
            _ when response.StatusCode is HttpStatusCode.NotFound => $"{id}: {file} not found (HTTP 404; check the name and revision)",
            _ => string.Create(CultureInfo.InvariantCulture, $"{id}: {file}: HTTP {status} {response.ReasonPhrase} from {_settings.Endpoint.Host}; try again later"),
        }) { FileMissing = missing };
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? values.FirstOrDefault() : null;

    /// <summary>As huggingface_hub: a weak validator's <c>W/</c> and the quotes are not part of the identity.</summary>
    private static string NormalizeEtag(string etag)
    {
        var value = etag.StartsWith("W/", StringComparison.Ordinal) ? etag[2..] : etag;
        return value.Trim('"');
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9_-]{1,128}$")]
    private static partial System.Text.RegularExpressions.Regex SafeName();
}
