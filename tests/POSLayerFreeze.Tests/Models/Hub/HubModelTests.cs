using System.Text;
using POSLayerFreeze.Data;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Models;
using POSLayerFreeze.Models.Hub;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tests.Experiments;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Models.Hub;

/// <summary>
/// Hub ids against <see cref="FakeHub"/> on 127.0.0.1, with the cache in a temp folder (never ~/.cache): the first
/// resolve downloads into Hugging Face's layout and trains, a second one offline and with no server trains the same
/// from the cache, a snapshot laid out as Python writes it is read, and every refusal is one line naming the repo.
/// </summary>
public class HubModelTests : TinyTorchFixture
{
    private const string Repo = "poslf-tests/tiny-distilbert";

    private static Dictionary<string, byte[]> TinyDistilBert(bool withTokenizerConfig = false)
    {
        var fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny-distilbert");
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["config.json"] = File.ReadAllBytes(Path.Combine(fixture, "config.json")),
            ["model.safetensors"] = File.ReadAllBytes(Path.Combine(fixture, "model.safetensors")),
            ["vocab.txt"] = Encoding.UTF8.GetBytes(string.Join("\n", TinyWorld.Vocabulary()) + "\n"),
        };
        if (withTokenizerConfig) files["tokenizer_config.json"] = Encoding.UTF8.GetBytes("{\"do_lower_case\": true}");
        return files;
    }

    private static HubSettings Settings(string cache, string endpoint, bool offline = false, string? token = null, TextWriter? progress = null) =>
        new(new Uri(endpoint), cache, token, offline, progress);

    private static ModelSource Resolve(string spec, HubSettings settings) => ModelCatalog.Resolve(spec, () => settings);

    /// <summary>An endpoint nothing listens on: a port taken from the OS and released.</summary>
    private static string DeadEndpoint()
    {
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return $"http://127.0.0.1:{port}";
    }

    private static RunMetrics Train(ModelSource model)
    {
        var data = ExperimentData.Load(model, TinyWorld.Profile, Treebank.FromFolder(TinyWorld.DataDir, "test"));
        var spec = new RunSpec("all", 42, TinyWorld.Profile, model.Name, Sweep.ModelIdentity(model), "cpu", Tf32: false) { Dataset = data.Treebank.Identity };
        return RunExecutor.Execute(spec, data, TinyWorld.TempDir("hub-run"));
    }

    [TestCase("distilbert-base-uncased", "distilbert-base-uncased", "main")]
    [TestCase("org/name", "org/name", "main")]
    [TestCase("org/name@v1.0", "org/name", "v1.0")]
    [TestCase("org/name@refs/pr/1", "org/name", "refs/pr/1")]
    [TestCase("bert-base-cased@0123456789abcdef0123456789abcdef01234567", "bert-base-cased", "0123456789abcdef0123456789abcdef01234567")]
    public void Hub_ids_are_read_with_their_revision(string spec, string repo, string revision)
    {
        Assert.That(HubModelId.TryParse(spec, out var id), Is.True);
        Assert.That((id.Repo, id.Revision), Is.EqualTo((repo, revision)));
        Assert.That(id.CacheFolderName, Is.EqualTo("models--" + repo.Replace("/", "--", StringComparison.Ordinal)));
    }

    [TestCase("./model")]
    [TestCase("/data/models/x")]
    [TestCase("a/b/c")]
    [TestCase("org/na--me")]
    [TestCase("org/name@../../etc")]
    [TestCase("org/name@")]
    [TestCase("")]
    public void Paths_and_malformed_names_are_not_hub_ids(string spec) => Assert.That(HubModelId.TryParse(spec, out _), Is.False);

    [Test]
    public void First_resolve_downloads_into_the_cache_layout_and_a_second_offline_trains_the_same_from_the_cache()
    {
        var cache = TinyWorld.TempDir("hub-cache");
        var files = TinyDistilBert();
        ModelSource online;
        RunMetrics first;
        string commit;
        using (var hub = new FakeHub())
        {
            commit = hub.Publish(Repo, files);
            var progress = new StringWriter();
            online = Resolve(Repo, Settings(cache, hub.Endpoint, progress: progress));
            Assert.That(progress.ToString(), Does.Contain($"downloading {Repo} model.safetensors: 0.1/0.1 MB (100%"));
            first = Train(online);
        }

        var repoFolder = Path.Combine(cache, "models--poslf-tests--tiny-distilbert");
        Assert.That(File.ReadAllText(Path.Combine(repoFolder, "refs", "main")), Is.EqualTo(commit));
        var weightsSha = FakeHub.Sha256(files["model.safetensors"]);
        Assert.That(File.ReadAllBytes(Path.Combine(repoFolder, "blobs", weightsSha)), Is.EqualTo(files["model.safetensors"]), "LFS blobs are named by sha256");
        Assert.That(File.Exists(Path.Combine(repoFolder, "blobs", FakeHub.GitBlobSha1(files["config.json"]))), Is.True, "small files by git blob sha1");
        foreach (var (name, content) in files)
        {
            var link = new FileInfo(Path.Combine(repoFolder, "snapshots", commit, name));
            var etag = FakeHub.IsLfs(name) ? FakeHub.Sha256(content) : FakeHub.GitBlobSha1(content);
            Assert.That(link.LinkTarget, Is.EqualTo("../../blobs/" + etag), name);
        }
        Assert.That(File.Exists(Path.Combine(repoFolder, ".no_exist", commit, "tokenizer_config.json")), Is.True, "a file the Hub lacks is marked, as huggingface_hub does");
        Assert.That(Directory.GetFiles(cache, "*.tmp", SearchOption.AllDirectories), Is.Empty);

        Assert.That(online.Name, Is.EqualTo($"{Repo}@{commit}"));
        Assert.That(online.Hub!.Files.Select(f => f.Name), Is.EqualTo(new[] { "config.json", "model.safetensors", "vocab.txt" }));
        Assert.That(online.Hub.Files.Single(f => f.Name == "model.safetensors").Sha256, Is.EqualTo(weightsSha));
        Assert.That(Sweep.ModelIdentity(online), Does.Contain($"hub:{Repo}@{commit}:").And.Contain("model.safetensors=" + weightsSha));
        Assert.That(first.Model, Is.EqualTo($"{Repo}@{commit}"));
        Assert.That(first.Inputs["model_identity"]!.GetValue<string>(), Does.Contain($"hub:{Repo}@{commit}:"));

        var offline = Resolve(Repo, Settings(cache, DeadEndpoint(), offline: true));
        Assert.That(offline.Directory, Is.EqualTo(online.Directory));
        Assert.That(Sweep.ModelIdentity(offline), Is.EqualTo(Sweep.ModelIdentity(online)));
        var second = Train(offline);
        Assert.That(second.InputsHash, Is.EqualTo(first.InputsHash));
        Assert.That(second.Train.Loss, Is.EqualTo(first.Train.Loss), "the same model trains to the same numbers");
        Assert.That(RunMetricsFile.ToNode(second)["test"]!.ToJsonString(), Is.EqualTo(RunMetricsFile.ToNode(first)["test"]!.ToJsonString()));

        // Online with nothing listening falls back to the cache, as huggingface_hub does.
        Assert.That(Resolve(Repo, Settings(cache, DeadEndpoint())).Directory, Is.EqualTo(online.Directory));

        var listed = HubCache.List(cache).Single();
        Assert.That(listed.Repo, Is.EqualTo(Repo));
        Assert.That(listed.Revisions, Is.EqualTo(new[] { ("main", commit) }));
        Assert.That(listed.Bytes, Is.EqualTo(files.Values.Sum(f => (long)f.Length)));
        Assert.That(HubCache.Describe(listed), Does.StartWith($"{Repo} (main → {commit[..12]}; "));
    }

    [Test]
    public void A_snapshot_laid_out_as_python_writes_it_is_read_offline_by_branch_and_by_commit()
    {
        var cache = TinyWorld.TempDir("hub-python");
        var files = TinyDistilBert(withTokenizerConfig: true);
        const string commit = "4f1e7a0c9d2b3e5f6a7b8c9d0e1f2a3b4c5d6e7f";
        var repoFolder = Path.Combine(cache, "models--poslf-tests--tiny-distilbert");
        Directory.CreateDirectory(Path.Combine(repoFolder, "blobs"));
        Directory.CreateDirectory(Path.Combine(repoFolder, "snapshots", commit));
        Directory.CreateDirectory(Path.Combine(repoFolder, "refs"));
        foreach (var (name, content) in files)
        {
            var etag = FakeHub.IsLfs(name) ? FakeHub.Sha256(content) : FakeHub.GitBlobSha1(content);
            File.WriteAllBytes(Path.Combine(repoFolder, "blobs", etag), content);
            File.CreateSymbolicLink(Path.Combine(repoFolder, "snapshots", commit, name), "../../blobs/" + etag);
        }
        File.WriteAllText(Path.Combine(repoFolder, "refs", "main"), commit);   // Python writes no newline

        var dead = DeadEndpoint();
        var byBranch = Resolve(Repo, Settings(cache, dead, offline: true));
        var byCommit = Resolve($"{Repo}@{commit}", Settings(cache, dead));   // a cached commit needs no request
        Assert.That(byBranch.Directory, Is.EqualTo(Path.Combine(repoFolder, "snapshots", commit)));
        Assert.That(byCommit.Directory, Is.EqualTo(byBranch.Directory));
        Assert.That(byBranch.Hub!.Files.Select(f => f.Name), Does.Contain("tokenizer_config.json"));

        TorchRuntime.Seed(3);
        using var model = ModelCatalog.CreateClassifier(byBranch, Upos.Count);
        using var ids = tensor(new long[] { 2, 40, 41, 3 }).unsqueeze(0);
        using var mask = ones_like(ids);
        using var logits = model.forward(ids, mask);
        Assert.That(logits.shape, Is.EqualTo(new long[] { 1, 4, Upos.Count }));
    }

    [Test]
    public void Offline_without_the_model_says_what_to_do()
    {
        var cache = TinyWorld.TempDir("hub-empty");
        var e = Assert.Throws<HubException>(() => Resolve(Repo, Settings(cache, DeadEndpoint(), offline: true)))!;
        Assert.That(e.Message, Does.Contain(Repo).And.Contain("HF_HUB_OFFLINE").And.Not.Contain("\n"));
        var unreachable = Assert.Throws<HubException>(() => Resolve(Repo, Settings(cache, DeadEndpoint())))!;
        Assert.That(unreachable.Message, Does.Contain(Repo).And.Contain("cannot reach 127.0.0.1").And.Not.Contain("\n"));
    }

    [Test]
    public void A_corrupted_blob_is_refused_in_one_line_and_nothing_is_kept()
    {
        var cache = TinyWorld.TempDir("hub-corrupt");
        using var hub = new FakeHub { CorruptLfs = true };
        var commit = hub.Publish(Repo, TinyDistilBert());
        var e = Assert.Throws<HubException>(() => Resolve(Repo, Settings(cache, hub.Endpoint)))!;
        Assert.That(e.Message, Does.StartWith(Repo).And.Contain("model.safetensors downloaded with the wrong checksum").And.Not.Contain("\n"));
        AssertNoWeights(cache, commit);
    }

    [Test]
    public void An_interrupted_download_leaves_no_file_a_later_run_reads()
    {
        var cache = TinyWorld.TempDir("hub-cut");
        using var hub = new FakeHub { TruncateLfs = true };
        var files = TinyDistilBert();
        var commit = hub.Publish(Repo, files);
        var e = Assert.Throws<HubException>(() => Resolve(Repo, Settings(cache, hub.Endpoint)))!;
        Assert.That(e.Message, Does.StartWith(Repo).And.Contain("broke off").And.Not.Contain("\n"));
        AssertNoWeights(cache, commit);
        var offline = Assert.Throws<HubException>(() => Resolve(Repo, Settings(cache, hub.Endpoint, offline: true)))!;
        Assert.That(offline.Message, Does.Contain("lacks model.safetensors"));

        hub.TruncateLfs = false;
        var source = Resolve(Repo, Settings(cache, hub.Endpoint));
        Assert.That(File.ReadAllBytes(source.WeightsPath), Is.EqualTo(files["model.safetensors"]));
    }

    private static void AssertNoWeights(string cache, string commit)
    {
        var repoFolder = Path.Combine(cache, "models--poslf-tests--tiny-distilbert");
        Assert.That(Directory.GetFiles(Path.Combine(repoFolder, "blobs")).Select(Path.GetFileName), Has.None.Length.EqualTo(64), "no LFS blob");
        Assert.That(File.Exists(Path.Combine(repoFolder, "snapshots", commit, "model.safetensors")), Is.False);
        Assert.That(Directory.GetFiles(cache, "*", SearchOption.AllDirectories).Where(f => f.EndsWith(".tmp", StringComparison.Ordinal)), Is.Empty);
    }

    [TestCase("poslf-tests/tiny-distilbert@no-such-branch", "no revision 'no-such-branch'")]
    [TestCase("poslf-tests/nothing-here", "no such model repository on 127.0.0.1")]
    public void Unknown_revisions_and_repositories_are_refused_in_one_line(string spec, string expected)
    {
        using var hub = new FakeHub();
        hub.Publish(Repo, TinyDistilBert());
        var e = Assert.Throws<HubException>(() => Resolve(spec, Settings(TinyWorld.TempDir("hub-unknown"), hub.Endpoint)))!;
        Assert.That(e.Message, Does.StartWith(spec.Split('@')[0]).And.Contain(expected).And.Not.Contain("\n"));
    }

    [Test]
    public void A_repository_with_only_pytorch_weights_downloads_them_and_loads_the_same_model()
    {
        using var hub = new FakeHub();
        var files = TinyDistilBert();
        files.Remove("model.safetensors");
        files["pytorch_model.bin"] = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch", "tiny-distilbert.bin"));
        var commit = hub.Publish(Repo, files);
        var cache = TinyWorld.TempDir("hub-bin");
        var source = Resolve(Repo, Settings(cache, hub.Endpoint));
        Assert.That(Path.GetFileName(source.WeightsPath), Is.EqualTo("pytorch_model.bin"));
        Assert.That(source.Hub!.Files.Select(f => f.Name), Is.EqualTo(new[] { "config.json", "pytorch_model.bin", "vocab.txt" }));
        Assert.That(Sweep.ModelIdentity(source), Does.Contain("pytorch_model.bin=" + FakeHub.Sha256(files["pytorch_model.bin"])));
        var repoFolder = Path.Combine(cache, "models--poslf-tests--tiny-distilbert");
        Assert.That(File.Exists(Path.Combine(repoFolder, ".no_exist", commit, "model.safetensors")), Is.True, "asked for first, marked missing");

        // Offline, the cached snapshot with pytorch_model.bin is complete; the model is Hugging Face's, as from safetensors.
        var offline = Resolve(Repo, Settings(cache, DeadEndpoint(), offline: true));
        Assert.That(offline.WeightsPath, Is.EqualTo(source.WeightsPath));
        TorchRuntime.Seed(3);
        using var fromBin = ModelCatalog.CreateClassifier(offline, Upos.Count);
        using var fromSafetensors = ModelCatalog.LoadTokenClassificationCheckpoint(Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny-distilbert"));
        var theirs = fromSafetensors.state_dict();
        foreach (var (name, value) in fromBin.state_dict().Where(kv => !kv.Key.StartsWith("classifier.", StringComparison.Ordinal)))
            Assert.That(value.equal(theirs[name]).all().item<bool>(), Is.True, name);
    }

    [Test]
    public void A_repository_without_weights_is_refused_in_one_line()
    {
        using var hub = new FakeHub();
        var files = TinyDistilBert();
        files.Remove("model.safetensors");
        hub.Publish(Repo, files);
        var e = Assert.Throws<HubException>(() => Resolve(Repo, Settings(TinyWorld.TempDir("hub-noweights"), hub.Endpoint)))!;
        Assert.That(e.Message, Does.StartWith(Repo).And.Contain("neither model.safetensors nor pytorch_model.bin").And.Not.Contain("\n"));
    }

    [Test]
    public void A_gated_repository_needs_the_token_which_is_recorded_nowhere()
    {
        const string token = "hf_test_secret_token";
        using var hub = new FakeHub { Gated = (Repo, token) };
        hub.Publish(Repo, TinyDistilBert());
        var cache = TinyWorld.TempDir("hub-gated");
        var e = Assert.Throws<HubException>(() => Resolve(Repo, Settings(cache, hub.Endpoint)))!;
        Assert.That(e.Message, Does.StartWith(Repo).And.Contain("gated").And.Contain("HF_TOKEN").And.Not.Contain("\n"));

        var source = Resolve(Repo, Settings(cache, hub.Endpoint, token: token));
        Assert.That(Sweep.ModelIdentity(source) + source.Name, Does.Not.Contain(token));
        var cached = Directory.GetFiles(cache, "*", SearchOption.AllDirectories).Where(f => !f.Contains("blobs", StringComparison.Ordinal));
        Assert.That(cached.Select(File.ReadAllText), Has.None.Contain(token));
    }

    [Test]
    public void Settings_follow_huggingface_hub_environment_variables()
    {
        var env = new Dictionary<string, string> { ["HF_HOME"] = "/tmp/hf-home", ["HF_HUB_OFFLINE"] = "1", ["HF_ENDPOINT"] = "http://mirror.example/" };
        var settings = HubSettings.FromEnvironment(n => env.GetValueOrDefault(n));
        Assert.That((settings.CacheDirectory, settings.Offline, settings.Endpoint.AbsoluteUri, settings.Token), Is.EqualTo(("/tmp/hf-home/hub", true, "http://mirror.example/", (string?)null)));
        env["HF_HUB_CACHE"] = "/tmp/hub-cache";
        env["HF_HUB_OFFLINE"] = "0";
        settings = HubSettings.FromEnvironment(n => env.GetValueOrDefault(n));
        Assert.That((settings.CacheDirectory, settings.Offline), Is.EqualTo(("/tmp/hub-cache", false)));
        env.Clear();
        Assert.That(HubSettings.FromEnvironment(n => env.GetValueOrDefault(n)).CacheDirectory, Does.EndWith(Path.Combine(".cache", "huggingface", "hub")));
    }

    [Test]
    public void A_local_folder_keeps_its_identity()
    {
        var identity = Sweep.ModelIdentity(TinyWorld.Model);
        Assert.That(TinyWorld.Model.Hub, Is.Null);
        Assert.That(identity, Does.StartWith("tiny-bert-model@sha256:").And.Not.Contain("hub:"));
    }
}
