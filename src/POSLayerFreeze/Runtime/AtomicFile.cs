using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace POSLayerFreeze.Runtime;

/// <summary>
/// Every file the harness writes goes through here: written to a temporary file in the same folder, flushed,
/// then renamed over the target, so a crash or Ctrl+C never leaves a half-written result behind.
/// </summary>
public static partial class AtomicFile
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
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = TempName(full);
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

    /// <summary>The temp name of a write into <paramref name="target"/> by this process: <c>.NAME.PID.GUID.tmp</c> beside it.</summary>
    public static string TempName(string target)
    {
        var full = Path.GetFullPath(target);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}.{Guid.NewGuid():N}.tmp");
    }

    /// <summary>
    /// Deletes, under <paramref name="folder"/>, the temp files and folders (<see cref="TempName"/>) of writes whose
    /// process is gone: what a crash or SIGKILL in the middle of a write leaves. Never taken for results (no reader
    /// looks at these names), they would otherwise pile up across resumed runs. Temps of live processes (the
    /// --parallel siblings sharing the folder) are left alone. Returns how many were removed.
    /// </summary>
    public static int RemoveStaleTemps(string folder)
    {
        if (!Directory.Exists(folder)) return 0;
        var removed = 0;
        foreach (var entry in Directory.EnumerateFileSystemEntries(folder, ".*.tmp", SearchOption.AllDirectories).OrderByDescending(e => e.Length).ToArray())
        {
            var match = TempPattern().Match(Path.GetFileName(entry));
            if (!match.Success || !int.TryParse(match.Groups["pid"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (pid == Environment.ProcessId || ProcessLifetime.IsAlive(pid)) continue;
            try
            {
                if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
                else if (File.Exists(entry)) File.Delete(entry);
                else continue;   // inside a temp folder removed just before
                removed++;
            }
            catch (DirectoryNotFoundException)
            {
                // Its folder went first.
            }
        }
        return removed;
    }

    [GeneratedRegex(@"^\..+\.(?<pid>[0-9]+)\.[0-9a-f]{32}\.tmp$")]
    private static partial Regex TempPattern();

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
