using System.IO.Compression;
using System.Text;

namespace POSLayerFreeze.Runtime;

/// <summary>
/// Every file the harness writes goes through here: written to a temporary file in the same folder, flushed,
/// then renamed over the target, so a crash or Ctrl+C never leaves a half-written result behind.
/// </summary>
public static class AtomicFile
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    public static void WriteAllText(string path, string contents) =>
        Write(path, stream =>
        {
            var bytes = Utf8NoBom.GetBytes(contents);
            stream.Write(bytes, 0, bytes.Length);
        });

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy, 0, copy.Length));
    }

    /// <summary>Streams content into <paramref name="path"/> atomically.</summary>
    public static void Write(string path, Action<Stream> writeContent)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                writeContent(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            if (File.Exists(temp)) File.Delete(temp);
            throw;
        }
    }

    /// <summary>
    /// Writes through a <see cref="TextWriter"/> (UTF-8 without BOM, LF line endings), atomically; gzip-compressed
    /// when <paramref name="gzip"/> is set.
    /// </summary>
    public static void WriteText(string path, Action<TextWriter> writeContent, bool gzip = false) =>
        Write(path, stream =>
        {
            using var compressed = gzip ? new GZipStream(stream, CompressionLevel.Optimal, leaveOpen: true) : null;
            using var writer = new StreamWriter(compressed ?? stream, Utf8NoBom, 1 << 16, leaveOpen: true) { NewLine = "\n" };
            writeContent(writer);
        });
}
