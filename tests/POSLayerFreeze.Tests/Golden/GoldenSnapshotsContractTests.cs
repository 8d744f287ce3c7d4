using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Golden;
using POSLayerFreeze.Reporting;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Tests.Golden;

/// <summary>
/// <see cref="GoldenSnapshots"/> at its edges, written against Stryker's survivors (eng/stryker/README.md): which
/// argument a refusal names, the per-tag support threshold itself, the name in a "differs between seeds" refusal,
/// the facts of a claim snapshot, provenance fields recorded by the runs versus this process's fallbacks (with
/// recorded values that differ from the fallbacks, so a lost key shows), and a seed a golden cannot record.
/// </summary>
public sealed class GoldenSnapshotsContractTests
{
    private static readonly GoldenContext Cpu = new(POSLayerFreeze.Training.TrainingProfile.Smoke, "minilm", "cpu", "cpu (this test)");

    private static RunRecord Run(long seed, int nounSupport = 4123, long testWords = 25094, long devWords = 25147, JsonObject? provenance = null,
        JsonObject? treebank = null) =>
        new("slpf-1", seed, "/runs/slpf-1/seed-" + seed, new JsonObject
        {
            ["trainable_parameters"] = 1000L,
            ["test"] = new JsonObject
            {
                ["accuracy"] = 0.9, ["macro_f1"] = 0.7, ["words"] = testWords,
                ["per_tag"] = new JsonObject { ["NOUN"] = new JsonObject { ["support"] = nounSupport, ["f1"] = 0.8 } },
            },
            ["dev"] = new JsonObject { ["accuracy"] = 0.9, ["words"] = devWords },
            ["provenance"] = provenance,
            ["treebank"] = treebank,
        }, [], []);

    // metrics.json's treebank record as a run writes it
    private static JsonObject Treebank(GoldenTreebank treebank)
    {
        var json = new JsonObject { ["name"] = treebank.Name };
        foreach (var (split, value) in treebank.Splits)
            json[split] = new JsonObject { ["file"] = $"{treebank.Name}-ud-{split}.conllu", ["sha256"] = value.Sha256, ["sentences"] = 10, ["words"] = value.Words };
        return json;
    }

    private static Claim Claim(bool cost = false, bool? parametersFall = null) =>
        new("c", "B beats A", true, "text", 0.8) { Compared = ["b", "a"], EffectIsCostRatio = cost, ParametersFall = parametersFall };

    private static readonly ConfigSummary[] Configs =
    [
        new("a", [], 1, [42L, 43L], new(0.9, 0, 2), new(0.9, 0, 2), new(0.5, 0, 2), new(1000, 0, 2), null),
        new("b", [], 1, [43L, 44L], new(0.9, 0, 2), new(0.9, 0, 2), new(0.5, 0, 2), new(1000, 0, 2), null),
    ];

    private static string? NullParameter(TestDelegate call) => Assert.Throws<ArgumentNullException>(call)!.ParamName;

    [Test]
    public void EveryEntryPointNamesTheArgumentThatIsNull()
    {
        Assert.That(NullParameter(() => GoldenSnapshots.ForConfiguration(null!, Cpu)), Is.EqualTo("runs"));
        Assert.That(NullParameter(() => GoldenSnapshots.ForConfiguration([Run(42)], null!)), Is.EqualTo("context"));
        Assert.That(Assert.Throws<ArgumentException>(() => GoldenSnapshots.ForConfiguration([], Cpu))!.Message,
            Is.EqualTo("A configuration snapshot needs at least one run. (Parameter 'runs')"));
        Assert.That(NullParameter(() => GoldenSnapshots.ForClaim(null!, Configs, [], Cpu)), Is.EqualTo("claim"));
        // a cost claim never reaches EffectTolerance (whose own check would name configs too)
        Assert.That(NullParameter(() => GoldenSnapshots.ForClaim(Claim(cost: true), null!, [], Cpu)), Is.EqualTo("configs"));
        Assert.That(NullParameter(() => GoldenSnapshots.ForClaim(Claim(), null!, [], Cpu)), Is.EqualTo("configs"));
        Assert.That(NullParameter(() => GoldenSnapshots.ForClaim(Claim(), Configs, [], null!)), Is.EqualTo("context"));
        Assert.That(NullParameter(() => GoldenSnapshots.EffectTolerance(null!, Configs, "cpu")), Is.EqualTo("claim"));
        Assert.That(NullParameter(() => GoldenSnapshots.EffectTolerance(Claim(), null!, "cpu")), Is.EqualTo("configs"));
        Assert.That(NullParameter(() => GoldenSnapshots.ProvenanceOf(null!, Cpu)), Is.EqualTo("runs"));
        Assert.That(NullParameter(() => GoldenSnapshots.ProvenanceOf([Run(42)], null!)), Is.EqualTo("context"));
    }

    [Test]
    public void ATagWithExactlyTheStableSupportGetsItsF1Metric()
    {
        Assert.That(GoldenSnapshots.ForConfiguration([Run(42, nounSupport: TolerancePolicy.StableTagSupport)], Cpu).Metrics.Keys, Does.Contain("test.f1.NOUN"));
        Assert.That(GoldenSnapshots.ForConfiguration([Run(42, nounSupport: TolerancePolicy.StableTagSupport - 1)], Cpu).Metrics.Keys, Does.Not.Contain("test.f1.NOUN"));
    }

    [Test]
    public void ACountThatDiffersBetweenSeedsIsRefusedByNameWithEveryValue()
    {
        string Refusal(params RunRecord[] runs) => Assert.Throws<InvalidDataException>(() => GoldenSnapshots.ForConfiguration(runs, Cpu))!.Message;
        Assert.That(Refusal(Run(42), Run(43, testWords: 25000)), Is.EqualTo("test.words differs between the seeds of one configuration: 25094, 25000"));
        Assert.That(Refusal(Run(42), Run(43, devWords: 1), Run(44, devWords: 2)), Is.EqualTo("dev.words differs between the seeds of one configuration: 25147, 1, 2"));
    }

    [Test]
    public void AClaimSnapshotHoldsItsStatementSeedsAndOutcomeAsFacts()
    {
        // the seeds are those of the configurations, merged and sorted
        Assert.That(GoldenSnapshots.ForClaim(Claim(), Configs, [], Cpu).Facts, Is.EquivalentTo(new Dictionary<string, Fact>
        {
            ["statement"] = Fact.Of("B beats A"), ["seeds"] = Fact.Of("42,43,44"), ["holds"] = Fact.Of(true),
        }));
        // a cost claim keeps its deterministic part (do the parameters fall) exactly, not its timing outcome
        Assert.That(GoldenSnapshots.ForClaim(Claim(cost: true, parametersFall: false), Configs, [], Cpu).Facts, Is.EquivalentTo(new Dictionary<string, Fact>
        {
            ["statement"] = Fact.Of("B beats A"), ["seeds"] = Fact.Of("42,43,44"), ["parameters_fall"] = Fact.Of(false),
        }));
        Assert.That(GoldenSnapshots.ForClaim(Claim(cost: true), Configs, [], Cpu).Facts.Keys, Is.EquivalentTo((string[])["statement", "seeds", "holds"]));
    }

    [Test]
    public void ProvenanceIsWhatTheRunsRecordedAndElseThisProcesssOwn()
    {
        // recorded values unlike this process's, so a field that fell back would show
        var recorded = new JsonObject
        {
            ["torchsharp"] = "9.9.9-recorded", ["libtorch"] = "8.8.8-recorded", ["device"] = "NVIDIA H200 (recorded)",
            ["date_utc"] = "2026-01-02T03:04:05Z", ["commit"] = "rec0rded",
        };
        var p = GoldenSnapshots.ProvenanceOf([Run(43), Run(42, provenance: recorded)], Cpu);
        Assert.That((p.TorchSharpVersion, p.LibTorchVersion, p.Device, p.Date, p.Commit),
            Is.EqualTo(("9.9.9-recorded", "8.8.8-recorded", "NVIDIA H200 (recorded)", "2026-01-02T03:04:05Z", "rec0rded")));
        Assert.That((p.Profile, p.Model, p.Backend, p.Seeds), Is.EqualTo(("smoke", "minilm", "cpu", (IReadOnlyList<int>)[42, 43])));

        // nothing recorded (or an empty value): this process's versions, the session's device, now, this build
        var before = DateTime.UtcNow.AddSeconds(-1);
        var own = GoldenSnapshots.ProvenanceOf([Run(42, provenance: new JsonObject { ["device"] = "" })], Cpu);
        Assert.That((own.TorchSharpVersion, own.LibTorchVersion, own.Device, own.Commit),
            Is.EqualTo((TorchRuntime.TorchSharpVersion, TorchRuntime.LibTorchVersion(), "cpu (this test)", BuildInfo.Commit)));
        Assert.That(own.Date, Does.Match(new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")));
        var date = DateTime.ParseExact(own.Date, "yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);
        Assert.That(date, Is.InRange(before.AddSeconds(-1), DateTime.UtcNow.AddSeconds(1)));
    }

    [Test]
    public void ATreebankRecordIsReadAsTheRunsMetricsFileAndAMixIsRefusedListingEach()
    {
        // a broken record names the run's metrics.json, the file a user would open
        var broken = Assert.Throws<FormatException>(() => GoldenSnapshots.ProvenanceOf([Run(42, treebank: new JsonObject { ["name"] = "en_ewt" })], Cpu));
        Assert.That(broken!.Message, Is.EqualTo($"{Path.Combine("/runs/slpf-1/seed-42", "metrics.json")}: treebank.train.sha256 must be a non-empty string"));
        var other = new GoldenTreebank("en_other", new(new string('a', 64), 10), new(new string('b', 64), 20), new(new string('c', 64), 30));
        var mixed = Assert.Throws<InvalidDataException>(() => GoldenSnapshots.ProvenanceOf([Run(42, treebank: Treebank(other)), Run(43)], Cpu));
        Assert.That(mixed!.Message, Is.EqualTo(
            $"the runs of one golden snapshot were made on different treebanks: {other.Describe()}, {GoldenTreebank.PinnedEwt.Describe()}"));
    }

    [Test]
    public void AnySeedARunTakesIsRecordedAndReadBackExactly()
    {
        // runs take 64-bit seeds (--seeds); the provenance records them as they are, beyond 2^31 and 2^53 too
        long[] seeds = [long.MinValue, -1, 42, 1L << 31, (1L << 53) + 1, long.MaxValue];
        var provenance = GoldenSnapshots.ProvenanceOf(seeds.Reverse().Select(s => Run(s)).ToArray(), Cpu);
        Assert.That(provenance.Seeds, Is.EqualTo(seeds));
        var file = new Snapshot(provenance, new Dictionary<string, Metric>(), new Dictionary<string, Fact>()).ToJson();
        Assert.That(file, Does.Contain("9007199254740993").And.Contain("-9223372036854775808").And.Contain("9223372036854775807"));
        Assert.That(Snapshot.Parse(file).Provenance.Seeds, Is.EqualTo(seeds));
    }
}
