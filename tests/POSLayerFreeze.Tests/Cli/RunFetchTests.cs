using System.Text.Json.Nodes;
using POSLayerFreeze.Data;
using POSLayerFreeze.Tests.Data;
using POSLayerFreeze.Tests.Experiments;

namespace POSLayerFreeze.Tests.Cli;

/// <summary>
/// Issue 14 §4 as a user meets it: <c>poslf run</c> with no data path in a fresh per-user cache (XDG_CACHE_HOME
/// of its own) fetches EWT from the server POSLF_EWT_BASE_URL names — here a local one serving the real files —
/// and trains on it; unreachable, it stops with one error line. The test host's POSLF_DATA_DIR/POSLF_TREEBANK are
/// blanked so only the cache can supply the data.
/// </summary>
[TestFixture]
[NonParallelizable]
public class RunFetchTests
{
    private string _root = "";

    [SetUp]
    public void CreateRoot() => _root = TinyWorld.TempDir("cli-fetch");

    [TearDown]
    public void DeleteRoot() => Directory.Delete(_root, recursive: true);

    private string Cache => Path.Combine(_root, "xdg", "poslayerfreeze", "ud-english-ewt");

    private Dictionary<string, string> Env(string baseUrl) => new()
    {
        ["XDG_CACHE_HOME"] = Path.Combine(_root, "xdg"),
        [DatasetFetcher.BaseUrlVariable] = baseUrl,
        [DatasetLocator.EnvironmentVariable] = "",
        [DatasetLocator.TreebankVariable] = "",
    };

    // The smoke code path at tiny-bert scale: 24 training sentences, short windows; dev and test are EWT's whole splits.
    private string[] RunArgs() =>
        ["run", "--model", TinyWorld.ModelDir, "--configs", "baseline", "--train-sentences", "24", "--max-length", "32", "--batch-size", "8",
            "--out", Path.Combine(_root, "runs"), "--no-summary"];

    [Test]
    public void Run_without_a_data_path_fetches_EWT_into_the_cache_and_trains_on_it()
    {
        using var server = new LocalHttpServer(LocalHttpServer.EwtFiles());

        var first = Poslf.Run(Env(server.BaseUrl), RunArgs(), 300_000);

        Assert.That(first.ExitCode, Is.Zero, first.Stdout + first.Stderr);
        Assert.That(first.Stderr, Does.Contain($"fetching it into {Cache}").And.Contain("en_ewt-ud-train.conllu: 100% ("), "progress on stderr");
        Assert.That(first.Stdout, Does.Not.Contain("downloading"), "stdout stays the sweep's");
        Assert.That(DatasetFetcher.Verify(Cache).Select(v => v.Problem), Is.All.Null);
        Assert.That(Directory.GetFiles(Cache), Has.Length.EqualTo(3));
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(_root, "runs", "baseline", "seed-42", "metrics.json")))!;
        Assert.That(metrics["treebank"]!["name"]!.GetValue<string>(), Is.EqualTo("en_ewt"));
        Assert.That(metrics["treebank"]!["test"]!["sha256"]!.GetValue<string>(), Is.EqualTo(EwtDataset.Split("test").Sha256));
        Assert.That(metrics["test"]!["words"]!.GetValue<long>(), Is.EqualTo(25_094), "the fetched test split is scored whole");

        var requests = server.Requests;
        var second = Poslf.Run(Env(server.BaseUrl), RunArgs(), 300_000);
        Assert.That(second.ExitCode, Is.Zero, second.Stdout + second.Stderr);
        Assert.That(second.Stderr, Does.Not.Contain("fetching"));
        Assert.That(server.Requests, Is.EqualTo(requests), "the filled cache is used, nothing downloaded");
        Assert.That(second.Stdout, Does.Contain("1 finished run(s) kept"), "and the run resumes");
    }

    [Test]
    public void Doctor_with_no_data_path_and_an_empty_cache_says_run_will_fetch_and_still_passes()
    {
        var result = Poslf.Run(Env(LocalHttpServer.RefusingBaseUrl()), ["doctor"]);

        Assert.That(result.Stdout, Does.Contain($"UD English EWT is not in the per-user cache {Cache} yet: `poslf run` downloads it there on first use"));
        Assert.That(result.ExitCode, Is.Zero, "a missing cache does not stop training: " + result.Stdout + result.Stderr);
        Assert.That(Directory.Exists(Cache), Is.False, "doctor only looks");
    }

    [Test]
    public void Run_offline_fails_with_one_line_naming_the_fetch_error_and_the_data_dir_hint()
    {
        var url = LocalHttpServer.RefusingBaseUrl();

        var result = Poslf.Run(Env(url), RunArgs());

        Poslf.AssertError(result, 1, $"GET {url}en_ewt-ud-train.conllu failed: Connection refused", "--data-dir", "POSLF_DATA_DIR");
        Assert.That(Directory.Exists(Cache) ? Directory.GetFiles(Cache) : [], Is.Empty);
        Assert.That(Directory.EnumerateFiles(_root, "metrics.json", SearchOption.AllDirectories), Is.Empty, "nothing was trained");
    }
}
