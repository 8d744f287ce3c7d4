using POSLayerFreeze.Golden;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Tests.Golden;

public sealed class GoldenStoreTests : TempGoldenStoreFixture
{
    /// <summary>The fingerprint of a 2-thread AVX-512 CPU run on the pinned libtorch.</summary>
    internal static readonly PlatformFingerprint Here = new("cpu", "cpu", "0.107.0", "2.10.0", "avx512", 2);

    /// <summary>A sample snapshot; by default without a fingerprint, so the statistical rule applies (as for goldens
    /// approved before fingerprints).</summary>
    internal static Snapshot Sample(double accuracy = 0.85, double tolerance = 0.005, string outcome = "holds",
        string model = "minilm", string profileVersion = "1", string backend = "cpu", PlatformFingerprint? fingerprint = null,
        double macroF1 = 0.61) =>
        new(
            new Provenance("smoke", profileVersion, model, backend, [42, 43], "0.107.0", "2.10.0", "cpu (2 cores)", "2026-11-26", "abc1234", fingerprint),
            new Dictionary<string, Metric>
            {
                ["test.accuracy"] = new(accuracy, tolerance),
                ["test.macro_f1"] = new(macroF1, 0.01),
            },
            new Dictionary<string, Fact>
            {
                ["claim.outcome"] = Fact.Of(outcome),
                ["test.words"] = Fact.Of(25094),
                ["trainable_parameters"] = Fact.Of(6_528),
            });

    private string Verified(string experiment = "slpf-3") => Store.VerifiedPath("smoke", "cpu", experiment);

    private string Received(string experiment = "slpf-3") => Store.ReceivedPath("smoke", "cpu", experiment);

    private void Seed(Snapshot verified, string experiment = "slpf-3")
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Verified(experiment))!);
        File.WriteAllText(Verified(experiment), verified.ToJson());
    }

    [Test]
    public void LayoutIsProfileBackendExperiment()
    {
        Assert.That(Verified(), Is.EqualTo(Path.Combine(Root, "smoke", "cpu", "slpf-3.verified.json")));
        Assert.That(Received(), Is.EqualTo(Path.Combine(Root, "smoke", "cpu", "slpf-3.received.json")));
        Assert.Throws<ArgumentException>(() => Store.VerifiedPath("smoke", "cpu", "../escape"));
    }

    [Test]
    public void MissingVerifiedWritesReceivedAndFails()
    {
        var result = Store.Check("slpf-3", Sample());
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
        var result = Store.Check("slpf-3", Sample(accuracy: 0.854));
        Assert.That(result.Outcome, Is.EqualTo(GoldenOutcome.Pass), result.Message);
        Assert.That(File.Exists(Received()), Is.False);
        Assert.That(result.Rows.Select(r => r.Status), Is.All.EqualTo("ok"));
    }

    [Test]
    public void ExactlyAtADecimalToleranceStillPasses()
    {
        // 0.86 − 0.85 is 0.010000000000000009 in binary; a tolerance written as 0.01 must still accept it
        Seed(Sample(accuracy: 0.85, tolerance: 0.01));
        Assert.That(Store.Check("slpf-3", Sample(accuracy: 0.86, tolerance: 0.01)).Passed, Is.True);
    }

    [Test]
    public void BeyondToleranceFailsWritesReceivedAndShowsTheTable()
    {
        Seed(Sample(accuracy: 0.85));
        var verifiedBefore = File.ReadAllBytes(Verified());
        // |0.87 − 0.85| = 0.02 > 0.005
        var result = Store.Check("slpf-3", Sample(accuracy: 0.87));
        Assert.That(result.Outcome, Is.EqualTo(GoldenOutcome.Fail));
        Assert.That(File.ReadAllText(Received()), Is.EqualTo(Sample(accuracy: 0.87).ToJson()));
        Assert.That(File.ReadAllBytes(Verified()), Is.EqualTo(verifiedBefore), "Check must never write a verified file");
        var row = result.Rows.Single(r => r.Name == "test.accuracy");
        Assert.That(row, Is.EqualTo(new GoldenRow("test.accuracy", "0.85", "0.87", "0.02", "0.005", "statistical", "FAIL")));
        var lines = result.Table.Split('\n');
        Assert.That(lines[0], Does.Match(@"^metric\s+\| verified \| received \| \|diff\| \| tolerance \| rule\s+\| status$"));
        Assert.That(result.Table, Does.Contain("test.accuracy        | 0.85     | 0.87     | 0.02   | 0.005     | statistical | FAIL"));
        Assert.That(result.Message, Does.Contain("rule: statistical — the verified snapshot records no platform fingerprint"));
        Assert.That(result.Message, Does.Contain(Received()));
    }

    [Test]
    public void ToleranceComesFromTheVerifiedFile()
    {
        Seed(Sample(accuracy: 0.85, tolerance: 0.005));
        // the received snapshot proposes a loose tolerance; the verified one (0.005) decides
        var result = Store.Check("slpf-3", Sample(accuracy: 0.86, tolerance: 0.5));
        Assert.That(result.Outcome, Is.EqualTo(GoldenOutcome.Fail));
        Assert.That(result.Rows.Single(r => r.Name == "test.accuracy").Tolerance, Is.EqualTo("0.005"));
    }

    [Test]
    public void FactsCompareExactly()
    {
        Seed(Sample(outcome: "holds"));
        var result = Store.Check("slpf-3", Sample(outcome: "does not hold"));
        Assert.That(result.Outcome, Is.EqualTo(GoldenOutcome.Fail));
        Assert.That(result.Rows.Single(r => r.Name == "claim.outcome"),
            Is.EqualTo(new GoldenRow("claim.outcome", "\"holds\"", "\"does not hold\"", "—", "exact", "exact", "FAIL")));
        Assert.That(result.Rows.Single(r => r.Name == "test.words").Status, Is.EqualTo("ok"));
    }

    [Test]
    public void AGoldenOfAnotherModelIsNoGoldenAtAll()
    {
        Seed(Sample());
        var model = Store.Check("slpf-3", Sample(model: "distilbert-base-cased"));
        Assert.That(model.Outcome, Is.EqualTo(GoldenOutcome.Missing));
        Assert.That(model.Problems, Has.Some.Contains("the verified snapshot is of model 'minilm', the received one of 'distilbert-base-cased'"));
    }

    [Test]
    public void AGoldenOfTheOldProfileVersionIsMissingForTheNewOneNotADiff()
    {
        // golden/full/cuda holds full v1; a full v2 result (new batch order) must say "no golden for full v2" and
        // compare nothing, even where its numbers moved far beyond every tolerance.
        Seed(Sample(accuracy: 0.96, profileVersion: "1"));
        var verifiedBefore = File.ReadAllBytes(Verified());
        var result = Store.Check("slpf-3", Sample(accuracy: 0.50, profileVersion: "2"));
        Assert.That(result.Outcome, Is.EqualTo(GoldenOutcome.Missing), result.Message);
        Assert.That(result.Problems, Is.EqualTo((string[])[
            "no golden for smoke v2: the verified snapshot is of smoke v1 (it stays that protocol's golden until one for this protocol is approved)"]));
        Assert.That(result.Rule, Is.Null, "nothing was compared");
        Assert.That(result.Rows.Select(r => r.Status), Is.All.EqualTo("new"));
        Assert.That(result.Rows.Select(r => r.Status), Has.None.EqualTo("FAIL"));
        Assert.That(File.ReadAllBytes(Verified()), Is.EqualTo(verifiedBefore), "the v1 golden stays");
        Assert.That(File.ReadAllText(Received()), Is.EqualTo(Sample(accuracy: 0.50, profileVersion: "2").ToJson()));
        // approving it makes the v2 result the golden, and a v2 rerun then compares against it
        Store.Approve("smoke", "cpu", ["slpf-3"]);
        Assert.That(Store.Check("slpf-3", Sample(accuracy: 0.50, profileVersion: "2")).Passed, Is.True);
    }

    [Test]
    public void OnTheSameFingerprintAOneWordChangeInTestAccuracyFails()
    {
        const double Words = 25094;
        Seed(Sample(accuracy: 22901 / Words, fingerprint: Here));
        var oneWord = Store.Check("slpf-3", Sample(accuracy: 22902 / Words, fingerprint: Here));
        Assert.That(oneWord.Outcome, Is.EqualTo(GoldenOutcome.Fail), oneWord.Message);
        Assert.That(oneWord.Rule!.Rule, Is.EqualTo(ComparisonRule.Exact));
        var row = oneWord.Rows.Single(r => r.Name == "test.accuracy");
        Assert.That((row.Tolerance, row.Rule, row.Status), Is.EqualTo(("0", "exact", "FAIL")));
        Assert.That(oneWord.Message, Does.Contain("rule: exact — same platform fingerprint (cpu on cpu backend, TorchSharp 0.107.0, libtorch 2.10.0, avx512, 2 thread(s))"));
        Assert.That(Store.Check("slpf-3", Sample(accuracy: 22901 / Words, fingerprint: Here)).Passed, Is.True, "the identical result passes");
    }

    [Test]
    public void OnAnotherFingerprintTheStoredToleranceAppliesAndTheTableSaysSo()
    {
        const double Words = 25094;
        Seed(Sample(accuracy: 22901 / Words, fingerprint: Here));
        var otherThreads = Here with { CpuThreads = 1 };
        var result = Store.Check("slpf-3", Sample(accuracy: 22902 / Words, fingerprint: otherThreads));
        Assert.That(result.Outcome, Is.EqualTo(GoldenOutcome.Pass), result.Message);
        Assert.That(result.Rule!.Rule, Is.EqualTo(ComparisonRule.Statistical));
        Assert.That(result.Message, Does.Contain("rule: statistical — platform fingerprints differ (cpu_threads: 2 ≠ 1)"));
        Assert.That(result.Rows.Where(r => r.Name is "test.accuracy" or "test.macro_f1").Select(r => r.Rule), Is.All.EqualTo("statistical"));
        Assert.That(result.Rows.Single(r => r.Name == "test.words").Rule, Is.EqualTo("exact"), "facts are exact under either rule");
        Assert.That(result.Rows.Single(r => r.Name == "test.accuracy").Tolerance, Is.EqualTo("0.005"));
        // beyond the stored tolerance it still fails
        Assert.That(Store.Check("slpf-3", Sample(accuracy: 22901 / Words + 0.006, fingerprint: otherThreads)).Passed, Is.False);
        // a received snapshot without a fingerprint (runs from mixed platforms) is compared statistically too
        Assert.That(Store.Check("slpf-3", Sample(accuracy: 22902 / Words)).Rule!.Reason,
            Is.EqualTo("the received runs record no single platform fingerprint"));
    }

    [Test]
    public void TheExactRuleLetsOtherFloatsMoveByAtMostOneBillionth()
    {
        Seed(Sample(macroF1: 0.61, fingerprint: Here));
        Assert.That(Store.Check("slpf-3", Sample(macroF1: 0.61 + 0.9e-9, fingerprint: Here)).Passed, Is.True);
        var moved = Store.Check("slpf-3", Sample(macroF1: 0.61 + 2e-9, fingerprint: Here));
        Assert.That(moved.Passed, Is.False);
        Assert.That(moved.Rows.Single(r => r.Name == "test.macro_f1").Tolerance, Is.EqualTo("1E-09"));
    }

    [Test]
    public void ApprovalKeepsTheFingerprintAndSaysWhichOneItIs()
    {
        Store.Check("slpf-3", Sample(fingerprint: Here));
        var approvals = Store.Approve("smoke", "cpu", ["slpf-3"]);
        Assert.That(approvals[0].Changes, Does.Contain("fingerprint: cpu on cpu backend, TorchSharp 0.107.0, libtorch 2.10.0, avx512, 2 thread(s)"));
        Assert.That(Snapshot.Load(Verified()).Provenance.Fingerprint, Is.EqualTo(Here));
        Assert.That(File.ReadAllText(Verified()), Does.Contain("\"cpu_threads\": 2").And.Contain("\"hardware\": \"avx512\""));

        // re-approving a snapshot without one says it will be compared statistically everywhere
        Store.Check("slpf-3", Sample(accuracy: 0.5));
        var unknown = Store.Approve("smoke", "cpu", ["slpf-3"]);
        Assert.That(unknown[0].Changes, Has.Some.StartsWith("fingerprint: none recorded"));
    }

    [Test]
    public void AddedOrRemovedMetricsFail()
    {
        var withExtra = new Snapshot(Sample().Provenance,
            Sample().Metrics.Append(KeyValuePair.Create("dev.accuracy", new Metric(0.9, 0.01))).ToDictionary(), Sample().Facts);
        Seed(Sample());
        var added = Store.Check("slpf-3", withExtra);
        Assert.That(added.Rows.Single(r => r.Name == "dev.accuracy").Status, Is.EqualTo("new"));
        Assert.That(added.Passed, Is.False);
        Seed(withExtra);
        var removed = Store.Check("slpf-3", Sample());
        Assert.That(removed.Rows.Single(r => r.Name == "dev.accuracy").Status, Is.EqualTo("missing"));
        Assert.That(removed.Passed, Is.False);
    }

    [Test]
    public void ApproveLoopPromotesReceivedAndListsChanges()
    {
        Seed(Sample(accuracy: 0.85));
        Assert.That(Store.Check("slpf-3", Sample(accuracy: 0.87, tolerance: 0.01)).Passed, Is.False);
        Assert.That(Store.Pending(), Has.Count.EqualTo(1));

        var approvals = Store.Approve("smoke", "cpu", ["slpf-3"]);

        Assert.That(approvals, Has.Count.EqualTo(1));
        Assert.That(approvals[0].WasNew, Is.False);
        Assert.That(approvals[0].Changes, Is.EqualTo((string[])["test.accuracy: 0.85 → 0.87", "test.accuracy tolerance: 0.005 → 0.01",
            "fingerprint: none recorded (runs made before fingerprints, or on mixed platforms): this golden is compared statistically everywhere"]));
        Assert.That(File.Exists(Received()), Is.False);
        Assert.That(File.ReadAllText(Verified()), Is.EqualTo(Sample(accuracy: 0.87, tolerance: 0.01).ToJson()));
        Assert.That(Store.Check("slpf-3", Sample(accuracy: 0.87, tolerance: 0.01)).Passed, Is.True);
        Assert.That(Store.Pending(), Is.Empty);
    }

    [Test]
    public void ApproveAllPromotesNewGoldens()
    {
        Store.Check("baseline", Sample());
        Store.Check("slpf-0", Sample(backend: "cuda"));
        var approvals = Store.ApproveAll(profile: "smoke", backend: "cpu");
        Assert.That(approvals.Select(a => a.Experiment), Is.EqualTo((string[])["baseline"]));
        Assert.That(approvals[0].WasNew, Is.True);
        Assert.That(approvals[0].Changes, Does.Contain("test.accuracy: new 0.85 ± 0.005"));
        Assert.That(Store.Pending().Select(p => $"{p.Profile}/{p.Backend}/{p.Experiment}"), Is.EqualTo((string[])["smoke/cuda/slpf-0"]));
    }

    [Test]
    public void ApproveRefusesWhenNothingIsReceived()
    {
        Seed(Sample());
        var all = Assert.Throws<InvalidOperationException>(() => Store.ApproveAll());
        Assert.That(all!.Message, Does.StartWith("Nothing received to approve"));
        Store.Check("clpf-0+1", Sample(accuracy: 0.5));
        var named = Assert.Throws<InvalidOperationException>(() => Store.Approve("smoke", "cpu", ["clpf-0+1", "slpf-3"]));
        Assert.That(named!.Message, Does.Contain("slpf-3"));
        Assert.That(File.Exists(Received("clpf-0+1")), Is.True, "a refused approval promotes nothing");
    }

    [Test]
    public void LocateHonoursAnExplicitFolderThenWalksUpToTheSolution()
    {
        Assert.That(GoldenStore.Locate(Root).Root, Is.EqualTo(Path.GetFullPath(Root)));
        if (Environment.GetEnvironmentVariable(GoldenStore.EnvironmentVariable) is not null)
            Assert.Ignore($"{GoldenStore.EnvironmentVariable} is set; the walk-up is not used.");
        var nested = Directory.CreateDirectory(Path.Combine(Root, "repo", "src", "bin")).FullName;
        File.WriteAllText(Path.Combine(Root, "repo", "POSLayerFreeze.sln"), "");
        Assert.That(GoldenStore.Locate(startDirectory: nested).Root, Is.EqualTo(Path.Combine(Root, "repo", "golden")));
    }
}
