using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace POSLayerFreeze.Tests.Models.Hub;

/// <summary>
/// A Hugging Face Hub on 127.0.0.1 for tests, speaking the protocol huggingface_hub documents:
/// <c>/{repo}/resolve/{revision}/{file}</c> answers HEAD and GET with X-Repo-Commit and an ETag (git blob sha1);
/// an LFS file (<c>*.safetensors</c>, <c>*.bin</c>) answers with a redirect to <c>/cdn/SHA256</c>, X-Linked-Etag and
/// X-Linked-Size; errors carry X-Error-Code. Faults can be switched on: a corrupted or truncated LFS body, a gated repo.
/// One request per connection (Connection: close), so the server stays a few lines.
/// </summary>
internal sealed class FakeHub : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Dictionary<string, Dictionary<string, string>> _branches = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, byte[]>> _commits = new(StringComparer.Ordinal);
    private readonly Thread _thread;
    private int _requests;

    public FakeHub()
    {
        _listener.Start();
        _thread = new Thread(Serve) { IsBackground = true, Name = "FakeHub" };
        _thread.Start();
    }

    public string Endpoint => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture)}";

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Flip a byte of every LFS body served.</summary>
    public bool CorruptLfs { get; set; }

    /// <summary>Close the connection after half of every LFS body.</summary>
    public bool TruncateLfs { get; set; }

    /// <summary>Repositories that answer 401 GatedRepo unless this bearer token is sent.</summary>
    public (string Repo, string Token)? Gated { get; set; }

    /// <summary>Publishes <paramref name="files"/> as a commit of <paramref name="repo"/> on <paramref name="branch"/>; returns the commit.</summary>
    public string Publish(string repo, IReadOnlyDictionary<string, byte[]> files, string branch = "main")
    {
        var commit = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(repo + "|" + string.Join("|", files.Keys.Order()) + "|" + _commits.Count)))[..40];
        lock (_commits)
        {
            _commits[commit] = new Dictionary<string, byte[]>(files, StringComparer.Ordinal);
            if (!_branches.TryGetValue(repo, out var branches)) _branches[repo] = branches = new(StringComparer.Ordinal);
            branches[branch] = commit;
        }
        return commit;
    }

    // git names a blob by sha1 of "blob LENGTH\0" + bytes: an identity, not a protection.
#pragma warning disable CA5350
    public static string GitBlobSha1(byte[] content) =>
        Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {content.Length.ToString(CultureInfo.InvariantCulture)}\0"), .. content]));
#pragma warning restore CA5350

    public static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    public static bool IsLfs(string file) => file.EndsWith(".safetensors", StringComparison.Ordinal) || file.EndsWith(".bin", StringComparison.Ordinal);

    public void Dispose()
    {
        _listener.Stop();
        _thread.Join(TimeSpan.FromSeconds(5));
    }

    private void Serve()
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = _listener.AcceptTcpClient();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            using (client)
            {
                try
                {
                    Handle(client.GetStream());
                }
                catch (IOException)
                {
                    // The client went away; the next one is served.
                }
            }
        }
    }

    private void Handle(NetworkStream stream)
    {
        var head = ReadHead(stream);
        Interlocked.Increment(ref _requests);
        var lines = head.Split("\r\n");
        var parts = lines[0].Split(' ');
        var (method, path) = (parts[0], Uri.UnescapeDataString(parts[1]));
        var authorization = lines.Skip(1).FirstOrDefault(l => l.StartsWith("Authorization:", StringComparison.OrdinalIgnoreCase))?["Authorization:".Length..].Trim();
        var answer = Route(path, authorization);
        var builder = new StringBuilder().Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {answer.Status} X\r\nConnection: close\r\n");
        foreach (var (name, value) in answer.Headers) builder.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        var body = answer.Body ?? [];
        builder.Append(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n\r\n");
        stream.Write(Encoding.ASCII.GetBytes(builder.ToString()));
        if (method == "HEAD") return;
        stream.Write(answer.Truncate ? body.AsSpan(0, body.Length / 2) : body);
        stream.Flush();
    }

    private sealed record Answer(int Status, List<(string, string)> Headers, byte[]? Body = null, bool Truncate = false);

    private Answer Route(string path, string? authorization)
    {
        if (path.StartsWith("/cdn/", StringComparison.Ordinal))
        {
            var sha = path["/cdn/".Length..];
            byte[]? blob;
            lock (_commits) blob = _commits.Values.SelectMany(c => c.Values).FirstOrDefault(b => Sha256(b) == sha);
            if (blob is null) return new Answer(404, []);
            if (CorruptLfs) blob = [.. blob[..^1], (byte)(blob[^1] ^ 0xFF)];
            return new Answer(200, [("ETag", "\"cdn-" + sha[..8] + "\"")], blob, TruncateLfs);
        }
        var marker = path.IndexOf("/resolve/", StringComparison.Ordinal);
        if (marker < 0) return new Answer(404, []);
        var repo = path[1..marker];
        var rest = path[(marker + "/resolve/".Length)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var (revision, file) = (rest[..slash], rest[(slash + 1)..]);
        lock (_commits)
        {
            // As the Hub: an unknown repo and a repo one may not see read the same (401 RepoNotFound).
            if (!_branches.TryGetValue(repo, out var branches)) return Error(401, "RepoNotFound");
            if (Gated is { } gated && gated.Repo == repo && authorization != "Bearer " + gated.Token) return Error(401, "GatedRepo");
            var commit = branches.TryGetValue(revision, out var c) ? c : _commits.ContainsKey(revision) ? revision : null;
            if (commit is null) return Error(404, "RevisionNotFound");
            if (!_commits[commit].TryGetValue(file, out var content)) return Error(404, "EntryNotFound", commit);
            if (IsLfs(file))
            {
                return new Answer(302, [("X-Repo-Commit", commit), ("ETag", $"\"{GitBlobSha1(content)}\""), ("X-Linked-Etag", $"\"{Sha256(content)}\""),
                    ("X-Linked-Size", content.Length.ToString(CultureInfo.InvariantCulture)), ("Location", $"{Endpoint}/cdn/{Sha256(content)}")]);
            }
            return new Answer(200, [("X-Repo-Commit", commit), ("ETag", $"\"{GitBlobSha1(content)}\"")], content);
        }
    }

    private static Answer Error(int status, string code, string? commit = null)
    {
        List<(string, string)> headers = [("X-Error-Code", code)];
        if (commit is not null) headers.Add(("X-Repo-Commit", commit));
        return new Answer(status, headers, Encoding.UTF8.GetBytes(code));
    }

    private static string ReadHead(NetworkStream stream)
    {
        var bytes = new List<byte>();
        while (bytes.Count < 4 || !(bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n'))
        {
            var b = stream.ReadByte();
            if (b < 0) throw new IOException("connection closed before the request ended");
            bytes.Add((byte)b);
        }
        return Encoding.ASCII.GetString([.. bytes]);
    }
}
