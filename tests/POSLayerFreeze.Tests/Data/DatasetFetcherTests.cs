using POSLayerFreeze.Data;

namespace POSLayerFreeze.Tests.Data;

/// <summary>Fetch runs against a local HTTP server serving the real files (there is no network here).</summary>
[TestFixture]
[NonParallelizable]
public class DatasetFetcherTests
{
    private string _dir = "";

    private static T[] Seq<T>(params T[] items) => items;

    [SetUp]
    public void CreateDir() => _dir = Directory.CreateTempSubdirectory("poslf-fetch-").FullName;

    [TearDown]
    public void DeleteDir() => Directory.Delete(_dir, recursive: true);

    /// <summary>The uncompressed release files, whether the dataset folder holds them plain or gzipped.</summary>
    internal static Dictionary<string, byte[]> RealFiles() => LocalHttpServer.EwtFiles();

    [Test]
    public async Task FetchDownloadsVerifiesAndPlacesAllThreeFiles()
    {
        using var server = new LocalHttpServer(RealFiles());
        using var http = new HttpClient();
        var dest = Path.Combine(_dir, "cache");

        var placed = await new DatasetFetcher(http, server.BaseUrl).FetchAsync(dest);

        Assert.That(placed.Select(Path.GetFileName), Is.EquivalentTo(EwtDataset.Splits.Select(s => s.FileName)));
        Assert.That(DatasetFetcher.Verify(dest).All(v => v.Ok), Is.True);
        Assert.That(Directory.GetFiles(dest), Has.Length.EqualTo(3), "no temporary files left");

        int before = server.Requests;
        await new DatasetFetcher(http, server.BaseUrl).FetchAsync(dest);
        Assert.That(server.Requests, Is.EqualTo(before), "verified files are not downloaded again");
    }

    [Test]
    public async Task ShaMismatchIsRejectedAndNothingIsLeftBehind()
    {
        var files = RealFiles();
        var dev = files["en_ewt-ud-dev.conllu"];
        dev[100] ^= 0x01;
        using var server = new LocalHttpServer(files);
        using var http = new HttpClient();
        var dest = Path.Combine(_dir, "cache");

        var error = Assert.ThrowsAsync<InvalidDataException>(() => new DatasetFetcher(http, server.BaseUrl).FetchAsync(dest))!;

        Assert.That(error.Message, Does.Contain("en_ewt-ud-dev.conllu").And.Contain(EwtDataset.Split("dev").Sha256));
        Assert.That(File.Exists(Path.Combine(dest, "en_ewt-ud-dev.conllu")), Is.False);
        Assert.That(Directory.GetFiles(dest).Select(Path.GetFileName), Is.EqualTo(Seq("en_ewt-ud-train.conllu")),
            "only the verified file before the bad one stays; no partial download");
    }

    [Test]
    public void HttpErrorIsReported()
    {
        using var server = new LocalHttpServer(new Dictionary<string, byte[]>());
        using var http = new HttpClient();
        var error = Assert.ThrowsAsync<HttpRequestException>(() => new DatasetFetcher(http, server.BaseUrl).FetchAsync(Path.Combine(_dir, "c")))!;
        Assert.That(error.Message, Does.Contain("404"));
    }

    [Test]
    public async Task FileUrlsWorkToo()
    {
        var source = Directory.CreateDirectory(Path.Combine(_dir, "src")).FullName;
        foreach (var (name, bytes) in RealFiles()) File.WriteAllBytes(Path.Combine(source, name), bytes);
        using var http = new HttpClient();

        await new DatasetFetcher(http, new Uri(source + "/").AbsoluteUri).FetchAsync(Path.Combine(_dir, "dest"));

        Assert.That(DatasetFetcher.Verify(Path.Combine(_dir, "dest")).Select(v => v.Ok), Is.All.True);
    }

    [Test]
    public void VerifyChecksGzipAndPlainAndReportsProblems()
    {
        Assert.That(DatasetFetcher.Verify(TestPaths.DatasetDir).Select(v => v.Problem), Is.All.Null, "the shared gzip files verify");

        File.WriteAllText(Path.Combine(_dir, "en_ewt-ud-dev.conllu"), "not the treebank\n");
        var results = DatasetFetcher.Verify(_dir);
        Assert.That(results.Single(r => r.Split == "dev").Problem, Does.Contain("sha256"));
        Assert.That(results.Single(r => r.Split == "train").Problem, Does.StartWith("missing"));
    }
}
