using POSLayerFreeze.Data;

namespace POSLayerFreeze.Tests.Data;

/// <summary>
/// Issue 14 §4: with no dataset named and an empty per-user cache, a run fetches EWT itself. Every case runs the
/// real fetch against a local HTTP server serving the real release files (read in place from the shared folder):
/// the cache location comes from XDG_CACHE_HOME and the server from POSLF_EWT_BASE_URL, both through the
/// environment function, as a user's shell would set them.
/// </summary>
[TestFixture]
[NonParallelizable]
public class EwtAutoFetchTests
{
    private string _root = "";

    [SetUp]
    public void CreateRoot() => _root = Directory.CreateTempSubdirectory("poslf-autofetch-").FullName;

    [TearDown]
    public void DeleteRoot() => Directory.Delete(_root, recursive: true);

    private string Cache => Path.Combine(_root, "xdg", "poslayerfreeze", "ud-english-ewt");

    private Func<string, string?> Env(string baseUrl, string? dataDir = null, string? treebank = null) => name => name switch
    {
        "XDG_CACHE_HOME" => Path.Combine(_root, "xdg"),
        DatasetFetcher.BaseUrlVariable => baseUrl,
        DatasetLocator.EnvironmentVariable => dataDir,
        DatasetLocator.TreebankVariable => treebank,
        _ => null,
    };

    private string[] CacheFiles() => Directory.Exists(Cache) ? Directory.GetFiles(Cache).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray() : [];

    [Test]
    public void OnlyAnUnconfiguredRunWithAnIncompleteCacheFetches()
    {
        Func<string, string?> env = Env("http://unused/");
        Assert.That(DatasetLocator.UnfilledUserCache(null, null, env), Is.EqualTo(Cache), "nothing named, cache empty");
        Assert.That(DatasetLocator.UnfilledUserCache(null, "/some/ewt", env), Is.Null, "--data-dir names the data");
        Assert.That(DatasetLocator.UnfilledUserCache("/some/ud", null, env), Is.Null, "--treebank names the data");
        Assert.That(DatasetLocator.UnfilledUserCache(null, null, Env("http://unused/", dataDir: "/some/ewt")), Is.Null, "POSLF_DATA_DIR");
        Assert.That(DatasetLocator.UnfilledUserCache(null, null, Env("http://unused/", treebank: "/some/ud")), Is.Null, "POSLF_TREEBANK");

        Directory.CreateDirectory(Cache);
        File.WriteAllText(Path.Combine(Cache, "en_ewt-ud-train.conllu"), "");
        File.WriteAllText(Path.Combine(Cache, "en_ewt-ud-dev.conllu.gz"), "");
        Assert.That(DatasetLocator.UnfilledUserCache(null, null, env), Is.EqualTo(Cache), "test is still missing");
        File.WriteAllText(Path.Combine(Cache, "en_ewt-ud-test.conllu"), "");
        Assert.That(DatasetLocator.UnfilledUserCache(null, null, env), Is.Null, "every split present (plain or gzip): nothing to fetch");
    }

    [Test]
    public async Task AnEmptyCacheIsFilledWithVerifiedFilesOnceWithProgress()
    {
        using var server = new LocalHttpServer(LocalHttpServer.EwtFiles());
        using var http = DatasetFetcher.CreateHttpClient();
        var log = new StringWriter();

        Assert.That(await EwtAutoFetch.EnsureAsync(null, null, http, log, Env(server.BaseUrl)), Is.True);

        Assert.That(CacheFiles(), Is.EqualTo(EwtDataset.Splits.Select(s => s.FileName).Order(StringComparer.Ordinal)), "the three files, no temporary ones");
        Assert.That(DatasetFetcher.Verify(Cache).Select(v => v.Problem), Is.All.Null);
        Assert.That(DatasetLocator.LocateTreebank(null, null, Env(server.BaseUrl)).Identity.Train.Sha256, Is.EqualTo(EwtDataset.Split("train").Sha256),
            "a run then reads the cache");
        var text = log.ToString();
        Assert.That(text, Does.Contain($"fetching it into {Cache}"));
        Assert.That(text, Does.Contain("en_ewt-ud-train.conllu: 50% (").And.Contain("en_ewt-ud-train.conllu: 100% ("), "progress per tenth");
        Assert.That(text, Does.Contain("en_ewt-ud-test.conllu: sha256 ok"));

        var requests = server.Requests;
        Assert.That(await EwtAutoFetch.EnsureAsync(null, null, http, new StringWriter(), Env(server.BaseUrl)), Is.False);
        Assert.That(server.Requests, Is.EqualTo(requests), "a filled cache is not fetched again");
    }

    [Test]
    public async Task ANamedDatasetIsNeverFetched()
    {
        using var server = new LocalHttpServer(LocalHttpServer.EwtFiles());
        using var http = DatasetFetcher.CreateHttpClient();
        Assert.That(await EwtAutoFetch.EnsureAsync(null, Path.Combine(_root, "missing"), http, new StringWriter(), Env(server.BaseUrl)), Is.False);
        Assert.That(server.Requests, Is.Zero);
        Assert.That(CacheFiles(), Is.Empty);
    }

    [Test]
    public void CorruptedBytesAreRefusedAndNothingIsPlaced()
    {
        var files = LocalHttpServer.EwtFiles();
        files["en_ewt-ud-train.conllu"][1000] ^= 0x20;
        using var server = new LocalHttpServer(files);
        using var http = DatasetFetcher.CreateHttpClient();

        var error = Assert.ThrowsAsync<DatasetFetchException>(() => EwtAutoFetch.EnsureAsync(null, null, http, new StringWriter(), Env(server.BaseUrl)))!;

        Assert.That(error.Message, Does.Contain("en_ewt-ud-train.conllu").And.Contain("expected " + EwtDataset.Split("train").Sha256));
        AssertHint(error.Message);
        Assert.That(CacheFiles(), Is.Empty, "the refused file is not placed, and no temporary file stays");
    }

    [Test]
    public void ARefusedConnectionIsOneLineWithTheFetchErrorAndTheHint()
    {
        using var http = DatasetFetcher.CreateHttpClient();
        var url = LocalHttpServer.RefusingBaseUrl();

        var error = Assert.ThrowsAsync<DatasetFetchException>(() => EwtAutoFetch.EnsureAsync(null, null, http, new StringWriter(), Env(url)))!;

        Assert.That(error.Message, Does.Contain($"GET {url}en_ewt-ud-train.conllu failed: Connection refused"));
        AssertHint(error.Message);
        Assert.That(CacheFiles(), Is.Empty);
    }

    [Test]
    public async Task APartlyDownloadedFileNeverAppearsInTheCache()
    {
        using var server = new LocalHttpServer(LocalHttpServer.EwtFiles(), stall: "en_ewt-ud-train.conllu");
        using var http = DatasetFetcher.CreateHttpClient();
        var fetch = EwtAutoFetch.EnsureAsync(null, null, http, new StringWriter(), Env(server.BaseUrl));

        await server.HalfSent.WaitAsync(TimeSpan.FromMinutes(1));
        // The first half is on the wire; give the client a moment to write what it received.
        await Task.Delay(500);
        var during = CacheFiles();
        server.Release();
        var error = Assert.ThrowsAsync<DatasetFetchException>(() => fetch)!;

        Assert.That(during, Has.None.EqualTo("en_ewt-ud-train.conllu"), "mid-transfer the split's name does not exist");
        Assert.That(during, Has.Exactly(1).Match(@"^\.en_ewt-ud-train\.conllu\..*\.download$"), "the bytes so far go to a hidden temporary file");
        AssertHint(error.Message);
        Assert.That(CacheFiles(), Is.Empty, "after the broken transfer nothing is left, the temporary file included");
    }

    private static void AssertHint(string message)
    {
        Assert.That(message, Does.Contain("point --data-dir or POSLF_DATA_DIR at a folder holding en_ewt-ud-{train,dev,test}.conllu[.gz]"));
        Assert.That(message, Does.Not.Contain('\n'), "one line");
    }
}
