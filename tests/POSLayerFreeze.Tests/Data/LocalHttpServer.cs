using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using POSLayerFreeze.Data;

namespace POSLayerFreeze.Tests.Data;

/// <summary>
/// A local stand-in for the treebank's GitHub raw URLs (there is no network here): serves files by name under
/// <see cref="BaseUrl"/> with their Content-Length (so progress can be reported), 404 for anything else. With
/// <c>stall</c> naming a file, that file's response sends half its bytes, signals <see cref="HalfSent"/>, waits for
/// <see cref="Release"/> and then aborts the connection: a download that dies part-way.
/// </summary>
internal sealed class LocalHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly IReadOnlyDictionary<string, byte[]> _files;
    private readonly string? _stall;
    private readonly TaskCompletionSource _halfSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _requests;

    public LocalHttpServer(IReadOnlyDictionary<string, byte[]> files, string? stall = null)
    {
        _files = files;
        _stall = stall;
        BaseUrl = $"http://127.0.0.1:{FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture)}/repo/";
        _listener.Prefixes.Add(BaseUrl);
        _listener.Start();
        _loop = Task.Run(Serve);
    }

    public string BaseUrl { get; }

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Completes once the stalled file's first half is on the wire.</summary>
    public Task HalfSent => _halfSent.Task;

    public void Release() => _release.TrySetResult();

    /// <summary>A base URL at a loopback port nobody listens on: connecting is refused, as offline.</summary>
    public static string RefusingBaseUrl() => $"http://127.0.0.1:{FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture)}/repo/";

    /// <summary>The uncompressed release files of UD English EWT, read in place from the shared folder (plain or gzip).</summary>
    public static Dictionary<string, byte[]> EwtFiles() => EwtDataset.Splits.ToDictionary(
        s => s.FileName,
        s =>
        {
            var path = DatasetLocator.Locate(s.Name, TestPaths.DatasetDir);
            using var file = File.OpenRead(path);
            using Stream content = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
            using var ms = new MemoryStream();
            content.CopyTo(ms);
            return ms.ToArray();
        });

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (HttpListenerException) { return; }
            catch (ObjectDisposedException) { return; }
            Interlocked.Increment(ref _requests);
            var name = context.Request.Url!.AbsolutePath.Split('/')[^1];
            try
            {
                if (!_files.TryGetValue(name, out var bytes))
                {
                    context.Response.StatusCode = 404;
                    context.Response.Close();
                    continue;
                }
                context.Response.StatusCode = 200;
                context.Response.ContentLength64 = bytes.Length;
                if (name == _stall)
                {
                    await context.Response.OutputStream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
                    await context.Response.OutputStream.FlushAsync();
                    _halfSent.TrySetResult();
                    await _release.Task.WaitAsync(TimeSpan.FromMinutes(2));
                    context.Response.Abort();
                    continue;
                }
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or TimeoutException)
            {
                // the client went away; serve the next request
            }
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        Release();
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
