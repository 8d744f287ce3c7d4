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

    public string BaseUrl { get; } = WithTrailingSlash(baseUrl ?? DefaultBaseUrl);

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
            var temp = Path.Combine(destination, $".{split.FileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.download");
            try
            {
                string actual;
                await using (var source = await OpenAsync(url, cancellationToken).ConfigureAwait(false))
                await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                {
                    using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    var buffer = new byte[1 << 16];
                    int read;
                    while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        sha.AppendData(buffer, 0, read);
                        await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
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

    private async Task<Stream> OpenAsync(Uri url, CancellationToken cancellationToken)
    {
        if (url.IsFile) return File.OpenRead(url.LocalPath);
        var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var status = (int)response.StatusCode;
            response.Dispose();
            throw new HttpRequestException($"GET {url} failed: HTTP {status.ToString(System.Globalization.CultureInfo.InvariantCulture)} {response.ReasonPhrase}");
        }
        return await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string WithTrailingSlash(string url) => url.EndsWith('/') ? url : url + "/";
}
