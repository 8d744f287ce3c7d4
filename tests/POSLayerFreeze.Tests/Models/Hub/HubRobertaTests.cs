using System.Text;
using System.Text.Json.Nodes;
using POSLayerFreeze.Data;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Models;
using POSLayerFreeze.Models.Hub;
using POSLayerFreeze.Tests.Experiments;

namespace POSLayerFreeze.Tests.Models.Hub;

/// <summary>
/// A RoBERTa repository on <see cref="FakeHub"/> as most RoBERTa repositories are: config.json, vocab.json +
/// merges.txt (no vocab.txt) and only pytorch_model.bin. config.json is fetched first and its model_type decides the
/// tokenizer files asked for; the model trains, and resolves again offline from the cache with the same identity.
/// </summary>
public class HubRobertaTests : TinyTorchFixture
{
    private const string Repo = "poslf-tests/tiny-roberta";

    /// <summary>
    /// The tiny-roberta checkpoint (vocab 100, pad id 1) with a byte-level BPE vocabulary of exactly 100 ids: RoBERTa's
    /// five specials, "Ġ" and the 94 printable ASCII bytes (the tiny EWT sample is ASCII), and no merges.
    /// </summary>
    private static Dictionary<string, byte[]> TinyRoberta()
    {
        var fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny-roberta");
        var tokens = new List<string> { "<s>", "<pad>", "</s>", "<unk>", "<mask>", "Ġ" };
        tokens.AddRange(Enumerable.Range('!', '~' - '!' + 1).Select(c => ((char)c).ToString()));
        var vocab = new JsonObject(tokens.Select((t, id) => KeyValuePair.Create(t, (JsonNode?)id)));
        Assert.That(tokens, Has.Count.EqualTo(100));
        return new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["config.json"] = File.ReadAllBytes(Path.Combine(fixture, "config.json")),
            ["pytorch_model.bin"] = File.ReadAllBytes(Path.Combine(fixture, "pytorch_model.bin")),
            ["vocab.json"] = Encoding.UTF8.GetBytes(vocab.ToJsonString()),
            ["merges.txt"] = Encoding.UTF8.GetBytes("#version: 0.2\n"),
        };
    }

    private static HubSettings Settings(string cache, string endpoint, bool offline = false) => new(new Uri(endpoint), cache, null, offline, null);

    private static ModelSource Resolve(HubSettings settings) => ModelCatalog.Resolve(Repo, () => settings);

    [Test]
    public void A_roberta_repository_downloads_its_byte_level_bpe_files_trains_and_resolves_offline()
    {
        var cache = TinyWorld.TempDir("hub-roberta");
        var files = TinyRoberta();
        ModelSource online;
        string commit;
        using (var hub = new FakeHub())
        {
            commit = hub.Publish(Repo, files);
            online = Resolve(Settings(cache, hub.Endpoint));
        }
        Assert.That(online.Family, Is.EqualTo("roberta"));
        Assert.That(online.Hub!.Files.Select(f => f.Name), Is.EqualTo(new[] { "config.json", "merges.txt", "pytorch_model.bin", "vocab.json" }));
        var snapshot = Path.Combine(cache, "models--poslf-tests--tiny-roberta", "snapshots", commit);
        Assert.That(File.Exists(Path.Combine(snapshot, "vocab.txt")), Is.False, "no vocab.txt is asked for");
        var identity = Sweep.ModelIdentity(online);
        Assert.That(identity, Does.Contain("vocab.json=" + FakeHub.Sha256(files["vocab.json"])).And.Contain("merges.txt=" + FakeHub.Sha256(files["merges.txt"])));

        var data = ExperimentData.Load(online, TinyWorld.Profile, Treebank.FromFolder(TinyWorld.DataDir, "test"));
        var spec = new RunSpec("all", 42, TinyWorld.Profile, online.Name, identity, "cpu", Tf32: false) { Dataset = data.Treebank.Identity };
        var metrics = RunExecutor.Execute(spec, data, TinyWorld.TempDir("hub-roberta-run"));
        Assert.That(metrics.Train.Steps, Is.GreaterThan(0));
        Assert.That(metrics.Test.Words, Is.EqualTo(data.Test.Words), "every word evaluated");

        var offline = Resolve(Settings(cache, "http://127.0.0.1:9", offline: true));
        Assert.That(Sweep.ModelIdentity(offline), Is.EqualTo(identity), "the cached snapshot is complete for its kind");
    }

    [Test]
    public void A_roberta_repository_without_merges_is_refused_in_one_line_naming_the_file()
    {
        using var hub = new FakeHub();
        var files = TinyRoberta();
        files.Remove("merges.txt");
        hub.Publish(Repo, files);
        var e = Assert.Throws<HubException>(() => Resolve(Settings(TinyWorld.TempDir("hub-roberta-nomerges"), hub.Endpoint)))!;
        Assert.That(e.Message, Does.StartWith(Repo).And.Contain("merges.txt").And.Not.Contain("\n"));
    }
}
