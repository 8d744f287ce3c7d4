using System.Globalization;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Experiments;

/// <summary>The results folder is held by another writer; the message names its PID.</summary>
public sealed class ResultsLockedException : IOException
{
    public ResultsLockedException(string message, int? holderPid) : base(message) => HolderPid = holderPid;

    public ResultsLockedException() : this("results folder is in use", (int?)null) { }

    public ResultsLockedException(string message) : this(message, (int?)null) { }

    public ResultsLockedException(string message, Exception innerException) : base(message, innerException) { }

    public int? HolderPid { get; }
}

/// <summary>
/// One writer per results folder: an exclusive OS file lock on <c>.poslf.lock</c> (flock, taken by .NET for
/// FileShare.None), which the kernel releases when the holder dies however it dies, so a crash never leaves a
/// stale lock. The holder's PID goes into <c>.poslf.lock.pid</c> (a separate file: the locked one cannot be read
/// by others) so a refused writer can say who holds it. Re-entrant within a process (run → sweep → summary).
/// Children of <c>poslf run --parallel</c> write under their parent's lock: they are let in when the holder is
/// their own parent and the parent named this folder for them.
/// </summary>
public sealed class ResultsLock : IDisposable
{
    public const string FileName = ".poslf.lock";
    public const string PidFileName = ".poslf.lock.pid";
    /// <summary>Set by a --parallel parent for its children: the results folder whose lock it holds for them.</summary>
    public const string SharedFolderVariable = "POSLF_LOCK_SHARED_WITH_CHILD";

    private static readonly Dictionary<string, (FileStream? Stream, int Count)> Held = new(StringComparer.Ordinal);
    private readonly string _folder;
    private bool _disposed;

    private ResultsLock(string folder) => _folder = folder;

    public string Folder => _folder;

    /// <summary>
    /// Takes the lock of <paramref name="folder"/> (created if missing), checking on the way that it is a
    /// writable folder. Held by another process: waits up to <paramref name="wait"/>, then fails naming its PID.
    /// While it waits it tells <paramref name="waiting"/> whom it waits for (once, and again when the holder
    /// changes), and <paramref name="cancel"/> (Ctrl+C, SIGTERM) stops the wait at once.
    /// </summary>
    public static ResultsLock Acquire(string folder, TimeSpan wait = default, string option = "--out",
        Action<string>? waiting = null, CancellationToken cancel = default)
    {
        var full = Path.GetFullPath(folder);
        lock (Held)
        {
            if (Held.TryGetValue(full, out var held))
            {
                Held[full] = (held.Stream, held.Count + 1);
                return new ResultsLock(full);
            }
        }
        EnsureWritableFolder(full, option);
        var deadline = wait == Timeout.InfiniteTimeSpan ? DateTime.MaxValue : DateTime.UtcNow + wait;
        int? announced = null;
        var first = true;
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            var stream = TryLock(full, option);
            if (stream is not null)
            {
                try
                {
                    AtomicFile.WriteAllText(Path.Combine(full, PidFileName), Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
                }
                catch
                {
                    stream.Dispose();
                    throw;
                }
                return Register(full, stream);
            }
            var holder = HolderPid(full);
            if (holder is { } pid && pid == ProcessLifetime.ParentId
                && string.Equals(Environment.GetEnvironmentVariable(SharedFolderVariable), full, StringComparison.Ordinal))
                return Register(full, null);
            if (DateTime.UtcNow >= deadline)
            {
                var who = holder is { } p ? $"PID {p.ToString(CultureInfo.InvariantCulture)}" : "another process";
                throw new ResultsLockedException(
                    $"{full}: results folder is in use by another poslf ({who}); wait for it to finish{(wait > TimeSpan.Zero ? "" : " or pass --wait")} ({option})", holder);
            }
            if (first || holder != announced)
            {
                waiting?.Invoke($"{full} is in use by {(holder is { } h ? $"PID {h.ToString(CultureInfo.InvariantCulture)}" : "another process")}; waiting for it to finish (Ctrl+C to stop)");
                (first, announced) = (false, holder);
            }
            // Not Thread.Sleep: a signal must end the wait now, not when the holder exits (which may be hours).
            cancel.WaitHandle.WaitOne(200);
        }
    }

    /// <summary>The PID recorded by the current holder, or null when none is recorded.</summary>
    public static int? HolderPid(string folder)
    {
        try
        {
            var text = File.ReadAllText(Path.Combine(Path.GetFullPath(folder), PidFileName)).Trim();
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static ResultsLock Register(string full, FileStream? stream)
    {
        lock (Held) Held[full] = (stream, 1);
        return new ResultsLock(full);
    }

    private static void EnsureWritableFolder(string full, string option)
    {
        if (File.Exists(full)) throw new IOException($"{full}: is a file, not a results folder ({option})");
        try
        {
            Directory.CreateDirectory(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{full}: cannot create the results folder: {e.Message} ({option})", e);
        }
        // Found now, not after training: a read-only folder or file system, or one we may not write to.
        var probe = Path.Combine(full, $".poslf-write-probe.{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}");
        try
        {
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{full}: results folder is not writable: {e.Message} ({option})", e);
        }
    }

    private static FileStream? TryLock(string full, string option)
    {
        try
        {
            return new FileStream(Path.Combine(full, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"{full}: results folder is not writable: {e.Message} ({option})", e);
        }
        catch (IOException e) when (e is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException))
        {
            // EWOULDBLOCK from flock: another open file description holds the lock.
            return null;
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        lock (Held)
        {
            if (!Held.TryGetValue(_folder, out var held)) return;
            if (held.Count > 1)
            {
                Held[_folder] = (held.Stream, held.Count - 1);
                return;
            }
            Held.Remove(_folder);
            held.Stream?.Dispose();
        }
    }
}
