using System.Collections.Concurrent;
using System.IO.Compression;
using System.Security.Cryptography;

namespace POSLayerFreeze.Runtime;

/// <summary>
/// The sha256 of what a run really reads, hashed once per process: cached by full path, size and modification
/// time, so a file changed on disk is hashed again while an unchanged one costs nothing the second time. A gzip
/// file is hashed by its decompressed content (what the reader sees), so <c>x.conllu</c> and <c>x.conllu.gz</c>
/// holding the same text have the same hash, comparable with the dataset's published checksums.
/// </summary>
public static class FileFingerprint
{
    private static readonly ConcurrentDictionary<(string Path, long Length, DateTime Modified), string> Cache = new();

    public static string Sha256(string path)
    {
        var info = new FileInfo(Path.GetFullPath(path));
        if (!info.Exists) throw new FileNotFoundException($"{info.FullName}: no such file", info.FullName);
        return Cache.GetOrAdd((info.FullName, info.Length, info.LastWriteTimeUtc), key => Compute(key.Path));
    }

    private static string Compute(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        Span<byte> magic = stackalloc byte[2];
        var gzip = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        file.Position = 0;
        if (!gzip) return Convert.ToHexStringLower(SHA256.HashData(file));
        using var content = new GZipStream(file, CompressionMode.Decompress);
        try
        {
            return Convert.ToHexStringLower(SHA256.HashData(content));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: gzip stream is corrupt ({e.Message})", e);
        }
    }
}
