using POSLayerFreeze.Golden;

namespace POSLayerFreeze.Tests.Golden;

public sealed class GoldenStoreTests
{
    private string root = "";
    private GoldenStore store = null!;

    [SetUp]
    public void CreateTempStore()
    {
        root = Path.Combine(Path.GetTempPath(), "poslf-golden-" + Guid.NewGuid().ToString("N"));
        store = new GoldenStore(root);
    }

    [TearDown]
    public void DeleteTempStore()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    internal static Snapshot Sample(double accuracy = 0.85, double tolerance = 0.005, string outcome = "holds",
        string model = "minilm", string profileVersion = "1", string backend = "cpu") =>
        new(
            new Provenance("smoke", profileVersion, model, backend, [42, 43], "0.107.0", "2.10.0", "cpu (2 cores)", "2026-11-26", "abc1234"),
            new Dictionary<string, Metric>
            {
                ["test.accuracy"] = new(accuracy, tolerance),
                ["test.macro_f1"] = new(0.61, 0.01),
            },
            new Dictionary<string, Fact>
            {
                ["claim.outcome"] = Fact.Of(outcome),
                ["test.words"] = Fact.Of(25094),
                ["trainable_parameters"] = Fact.Of(6_528),
            });

    private string Verified(string experiment = "slpf-3") => store.VerifiedPath("smoke", "cpu", experiment);

    private string Received(string experiment = "slpf-3") => store.ReceivedPath("smoke", "cpu", experiment);

    private void Seed(Snapshot verified, string experiment = "slpf-3")
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Verified(experiment))!);
        File.WriteAllText(Verified(experiment), verified.ToJson());
    }

    [Test]
    public void LayoutIsProfileBackendExperiment()
    {
        Assert.That(Verified(), Is.EqualTo(Path.Combine(root, "smoke", "cpu", "slpf-3.verified.json")));
        Assert.That(Received(), Is.EqualTo(Path.Combine(root, "smoke", "cpu", "slpf-3.received.json")));
        Assert.Throws<ArgumentException>(() => store.VerifiedPath("smoke", "cpu", "../escape"));
    }

    [Test]
    public void MissingVerifiedWritesReceivedAndFails()
    {
        var result = store.Check("slpf-3", Sample());
        Assert.That(result.Outcome, Is.EqualTo(GoldenOutcome.Missing));
        Assert.That(result.Passed, Is.False);
        Assert.That(File.Exists(Verified()), Is.False, "Check must never write a verified file");
        Assert.That(File.ReadAllText(Received()), Is.EqualTo(Sample().ToJson()));
        Assert.That(result.Message, Does.Contain("no verified snapshot").And.Contain("poslf approve --profile smoke --backend cpu slpf-3"));
    }

    [Test]
    public void WithinTolerancePassesAndRemovesStaleReceived()
    {
        Seed(Sample(accuracy: 0.85));
        File.WriteAllText(Received(), "stale");
        // |0.854 − 0.85| = 0.004 ≤ 0.005
        var result = store.Check("slpf-3", Sample(accuracy: 0.854));
        Assert.That(result.Outcome, Is.EqualTo(GoldenOutcome.Pass), result.Message);
        Assert.That(File.Exists(Received()), Is.False);
        Assert.That(result.Rows.Select(r => r.Status), Is.All.EqualTo("ok"));
    }

    [Test]
    public void ExactlyAtADecimalToleranceStillPasses()
    {
        // 0.86 − 0.85 is 0.010000000000000009 in binary; a tolerance written as 0.01 must still accept it
        Seed(Sample(accuracy: 0.85, tolerance: 0.01));
        Assert.That(store.Check("slpf-3", Sample(accuracy: 0.86, tolerance: 0.01)).Passed, Is.True);
    }

    [Test]
    public void BeyondToleranceFailsWritesReceivedAndShowsTheTable()
    {
        Seed(Sample(accuracy: 0.85));
        var verifiedBefore = File.ReadAllBytes(Verified());
        // |0.87 − 0.85| = 0.02 > 0.005
        var result = store.Check("slpf-3", Sample(accuracy: 0.87));
        Assert.That(result.Outcome, Is.EqualTo(GoldenOutcome.Fail));
        Assert.That(File.ReadAllText(Received()), Is.EqualTo(Sample(accuracy: 0.87).ToJson()));
        Assert.That(File.ReadAllBytes(Verified()), Is.EqualTo(verifiedBefore), "Check must never write a verified file");
        var row = result.Rows.Single(r => r.Name == "test.accuracy");
        Assert.That(row, Is.EqualTo(new GoldenRow("test.accuracy", "0.85", "0.87", "0.02", "0.005", "FAIL")));
        var lines = result.Table.Split('\n');
        Assert.That(lines[0], Does.Match(@"^metric\s+\| verified \| received \| \|diff\| \| tolerance \| status$"));
        Assert.That(result.Table, Does.Contain("test.accuracy        | 0.85     | 0.87     | 0.02   | 0.005     | FAIL"));
        Assert.That(result.Message, Does.Contain(Received()));
    }

    [Test]
    public void ToleranceComesFromTheVerifiedFile()
    {
        Seed(Sample(accuracy: 0.85, tolerance: 0.005));
        // the received snapshot proposes a loose tolerance; the verified one (0.005) decides
        var result = store.Check("slpf-3", Sample(accuracy: 0.86, tolerance: 0.5));
        Assert.That(result.Outcome, Is.EqualTo(GoldenOutcome.Fail));
        Assert.That(result.Rows.Single(r => r.Name == "test.accuracy").Tolerance, Is.EqualTo("0.005"));
    }

    [Test]
    public void FactsCompareExactly()
    {
        Seed(Sample(outcome: "holds"));
        var result = store.Check("slpf-3", Sample(outcome: "does not hold"));
        Assert.That(result.Outcome, Is.EqualTo(GoldenOutcome.Fail));
        Assert.That(result.Rows.Single(r => r.Name == "claim.outcome"),
            Is.EqualTo(new GoldenRow("claim.outcome", "\"holds\"", "\"does not hold\"", "—", "exact", "FAIL")));
        Assert.That(result.Rows.Single(r => r.Name == "test.words").Status, Is.EqualTo("ok"));
    }

    [Test]
    public void ModelOrProfileVersionMismatchFailsWithAClearMessage()
    {
        Seed(Sample());
        var model = store.Check("slpf-3", Sample(model: "distilbert-base-cased"));
        Assert.That(model.Outcome, Is.EqualTo(GoldenOutcome.Fail));
        Assert.That(model.Problems, Has.Some.Contains("model differs: verified 'minilm', received 'distilbert-base-cased'"));
        var version = store.Check("slpf-3", Sample(profileVersion: "2"));
        Assert.That(version.Message, Does.Contain("profile version differs: verified '1', received '2'"));
    }

    [Test]
    public void AddedOrRemovedMetricsFail()
    {
        var withExtra = new Snapshot(Sample().Provenance,
            Sample().Metrics.Append(KeyValuePair.Create("dev.accuracy", new Metric(0.9, 0.01))).ToDictionary(), Sample().Facts);
        Seed(Sample());
        var added = store.Check("slpf-3", withExtra);
        Assert.That(added.Rows.Single(r => r.Name == "dev.accuracy").Status, Is.EqualTo("new"));
        Assert.That(added.Passed, Is.False);
        Seed(withExtra);
        var removed = store.Check("slpf-3", Sample());
        Assert.That(removed.Rows.Single(r => r.Name == "dev.accuracy").Status, Is.EqualTo("missing"));
        Assert.That(removed.Passed, Is.False);
    }

    [Test]
    public void ApproveLoopPromotesReceivedAndListsChanges()
    {
        Seed(Sample(accuracy: 0.85));
        Assert.That(store.Check("slpf-3", Sample(accuracy: 0.87, tolerance: 0.01)).Passed, Is.False);
        Assert.That(store.Pending(), Has.Count.EqualTo(1));

        var approvals = store.Approve("smoke", "cpu", ["slpf-3"]);

        Assert.That(approvals, Has.Count.EqualTo(1));
        Assert.That(approvals[0].WasNew, Is.False);
        Assert.That(approvals[0].Changes, Is.EqualTo((string[])["test.accuracy: 0.85 → 0.87", "test.accuracy tolerance: 0.005 → 0.01"]));
        Assert.That(File.Exists(Received()), Is.False);
        Assert.That(File.ReadAllText(Verified()), Is.EqualTo(Sample(accuracy: 0.87, tolerance: 0.01).ToJson()));
        Assert.That(store.Check("slpf-3", Sample(accuracy: 0.87, tolerance: 0.01)).Passed, Is.True);
        Assert.That(store.Pending(), Is.Empty);
    }

    [Test]
    public void ApproveAllPromotesNewGoldens()
    {
        store.Check("baseline", Sample());
        store.Check("slpf-0", Sample(backend: "cuda"));
        var approvals = store.ApproveAll(profile: "smoke", backend: "cpu");
        Assert.That(approvals.Select(a => a.Experiment), Is.EqualTo((string[])["baseline"]));
        Assert.That(approvals[0].WasNew, Is.True);
        Assert.That(approvals[0].Changes, Does.Contain("test.accuracy: new 0.85 ± 0.005"));
        Assert.That(store.Pending().Select(p => $"{p.Profile}/{p.Backend}/{p.Experiment}"), Is.EqualTo((string[])["smoke/cuda/slpf-0"]));
    }

    [Test]
    public void ApproveRefusesWhenNothingIsReceived()
    {
        Seed(Sample());
        var all = Assert.Throws<InvalidOperationException>(() => store.ApproveAll());
        Assert.That(all!.Message, Does.StartWith("Nothing received to approve"));
        store.Check("clpf-0+1", Sample(accuracy: 0.5));
        var named = Assert.Throws<InvalidOperationException>(() => store.Approve("smoke", "cpu", ["clpf-0+1", "slpf-3"]));
        Assert.That(named!.Message, Does.Contain("slpf-3"));
        Assert.That(File.Exists(Received("clpf-0+1")), Is.True, "a refused approval promotes nothing");
    }

    [Test]
    public void LocateHonoursAnExplicitFolderThenWalksUpToTheSolution()
    {
        Assert.That(GoldenStore.Locate(root).Root, Is.EqualTo(Path.GetFullPath(root)));
        if (Environment.GetEnvironmentVariable(GoldenStore.EnvironmentVariable) is not null)
            Assert.Ignore($"{GoldenStore.EnvironmentVariable} is set; the walk-up is not used.");
        var nested = Directory.CreateDirectory(Path.Combine(root, "repo", "src", "bin")).FullName;
        File.WriteAllText(Path.Combine(root, "repo", "POSLayerFreeze.sln"), "");
        Assert.That(GoldenStore.Locate(startDirectory: nested).Root, Is.EqualTo(Path.Combine(root, "repo", "golden")));
    }
}
