using System.IO.Compression;
using System.Security.Cryptography;

namespace POSLayerFreeze.Data;

/// <summary>The outcome of checking one split's file.</summary>
public sealed record SplitVerification(string Split, string? Path, string? ActualSha256, string ExpectedSha256, string? Problem)
{
    public bool Ok => Problem is null;
}

/// <summary>
/// Downloads the three EWT files from the treebank's repository at the pinned commit and places each one only after
/// its sha256 matches, so the cache never holds a partial or different file. The base URL may be http(s) or file://
/// (tests serve files locally; there is no network on the build machines).
/// </summary>
public sealed class DatasetFetcher(HttpClient http, string? baseUrl = null)
{
    public const string DefaultBaseUrl =
        "https://raw.githubusercontent.com/UniversalDependencies/UD_English-EWT/15d613d8447b3478787d4c278730a1e48a945efb/";

    /// <summary>
    /// Overrides <see cref="DefaultBaseUrl"/> for <c>poslf data fetch</c> and the fetch <c>poslf run</c> does by itself:
    /// a mirror, a file:// folder, or the local server the tests serve the release files from.
    /// </summary>
    public const string BaseUrlVariable = "POSLF_EWT_BASE_URL";

    public string BaseUrl { get; } = WithTrailingSlash(baseUrl ?? DefaultBaseUrl);

    /// <summary>
    /// The client both fetches use: a refused or unreachable host fails within 30 s rather than HttpClient's 100 s
    /// default, while a slow but live transfer of the 13 MB train file gets 10 minutes.
    /// </summary>
    public static HttpClient CreateHttpClient() =>
        new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(30) }) { Timeout = TimeSpan.FromMinutes(10) };

    /// <summary>An explicit URL wins, then <see cref="BaseUrlVariable"/>, then the pinned GitHub commit.</summary>
    public static string ResolveBaseUrl(string? explicitUrl, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (!string.IsNullOrEmpty(explicitUrl)) return WithTrailingSlash(explicitUrl);
        return environment(BaseUrlVariable) is { Length: > 0 } fromEnv ? WithTrailingSlash(fromEnv) : DefaultBaseUrl;
    }

    /// <summary>Fetches every split not already present and valid in <paramref name="destination"/>; returns the paths.</summary>
    public async Task<IReadOnlyList<string>> FetchAsync(string destination, TextWriter? log = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(destination);
        Directory.CreateDirectory(destination);
        var placed = new List<string>();
        foreach (var split in EwtDataset.Splits)
        {
            var target = Path.Combine(destination, split.FileName);
            if (File.Exists(target) && Sha256OfContent(target) == split.Sha256)
            {
                log?.WriteLine($"{split.FileName}: already present, sha256 ok");
                placed.Add(target);
                continue;
            }
            var url = new Uri(new Uri(BaseUrl), split.FileName);
            log?.WriteLine($"{split.FileName}: downloading {url}");
            // A hidden name that no split lookup matches: until its sha256 is checked the download is never the split.
            var temp = Path.Combine(destination, $".{split.FileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.download");
            try
            {
                string actual;
                var (source, length) = await OpenAsync(url, cancellationToken).ConfigureAwait(false);
                await using (source)
                await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                {
                    using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    var buffer = new byte[1 << 16];
                    int read;
                    long received = 0;
                    var reported = 0;
                    while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        sha.AppendData(buffer, 0, read);
                        await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                        received += read;
                        reported = ReportProgress(log, split.FileName, received, length, reported);
                    }
                    await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                    actual = Convert.ToHexStringLower(sha.GetHashAndReset());
                }
                if (actual != split.Sha256)
                {
                    throw new InvalidDataException(
                        $"{split.FileName} from {url} has sha256 {actual}, expected {split.Sha256}; nothing was written");
                }
                File.Move(temp, target, overwrite: true);
                log?.WriteLine($"{split.FileName}: sha256 ok, saved to {target}");
                placed.Add(target);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
        }
        return placed;
    }

    /// <summary>Checks each split in <paramref name="directory"/>, plain or gzip, against the expected sha256.</summary>
    public static IReadOnlyList<SplitVerification> Verify(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var results = new List<SplitVerification>();
        foreach (var split in EwtDataset.Splits)
        {
            string path;
            try
            {
                path = DatasetLocator.FindSplitFile(directory, split, source: null);
            }
            catch (DatasetNotFoundException)
            {
                results.Add(new(split.Name, null, null, split.Sha256, $"missing: neither {split.FileName} nor {split.FileName}.gz in {directory}"));
                continue;
            }
            string actual;
            try
            {
                actual = Sha256OfContent(path);
            }
            catch (InvalidDataException e)
            {
                results.Add(new(split.Name, path, null, split.Sha256, $"unreadable gzip: {e.Message}"));
                continue;
            }
            results.Add(new(split.Name, path, actual, split.Sha256,
                actual == split.Sha256 ? null : $"sha256 {actual} differs from the expected {split.Sha256}"));
        }
        return results;
    }

    /// <summary>sha256 of the uncompressed content (a .gz file is hashed after decompression).</summary>
    public static string Sha256OfContent(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[2];
        bool gzip = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        file.Seek(0, SeekOrigin.Begin);
        using var content = gzip ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
        return Convert.ToHexStringLower(SHA256.HashData(content));
    }

    /// <summary>The body and, when the server says, its length (for progress).</summary>
    private async Task<(Stream Body, long? Length)> OpenAsync(Uri url, CancellationToken cancellationToken)
    {
        if (url.IsFile)
        {
            var local = File.OpenRead(url.LocalPath);
            return (local, local.Length);
        }
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            // The socket error alone ("Connection refused (host:port)") does not say what was being fetched.
            throw new HttpRequestException($"GET {url} failed: {e.Message}", e, e.StatusCode);
        }
        if (!response.IsSuccessStatusCode)
        {
            var status = (int)response.StatusCode;
            response.Dispose();
            throw new HttpRequestException($"GET {url} failed: HTTP {status.ToString(System.Globalization.CultureInfo.InvariantCulture)} {response.ReasonPhrase}");
        }
        return (await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), response.Content.Headers.ContentLength);
    }

    /// <summary>One line per tenth of a file whose length is known; returns the tenths reported so far.</summary>
    private static int ReportProgress(TextWriter? log, string fileName, long received, long? length, int reported)
    {
        if (log is null || length is not > 0) return reported;
        var tenths = (int)Math.Min(10, received * 10 / length.Value);
        if (tenths <= reported) return reported;
        log.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{fileName}: {tenths * 10}% ({received / 1e6:F1} of {length.Value / 1e6:F1} MB)"));
        return tenths;
    }

    private static string WithTrailingSlash(string url) => url.EndsWith('/') ? url : url + "/";
}
