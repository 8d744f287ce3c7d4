using POSLayerFreeze.Golden;
using POSLayerFreeze.Runtime;
using static POSLayerFreeze.Tests.Golden.GoldenStoreTests;

namespace POSLayerFreeze.Tests.Golden;

/// <summary>
/// What the golden store tells a person — the failure message, the table, the approval's change lines, the refusals
/// and their order — word for word, and the path and slack rules at their edges. Written against Stryker's survivors
/// (eng/stryker/golden-summary.md): each assertion here is one a user-visible regression would trip.
/// </summary>
public sealed class GoldenStoreReportingTests : TempGoldenStoreFixture
{
    private void Seed(Snapshot verified, string experiment = "slpf-3", string backend = "cpu")
    {
        var path = Store.VerifiedPath(verified.Provenance.Profile, backend, experiment);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, verified.ToJson());
    }

    private void Receive(Snapshot received, string experiment = "slpf-3")
    {
        var path = Store.ReceivedPath(received.Provenance.Profile, received.Provenance.Backend, experiment);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, received.ToJson());
    }

    private static Snapshot With(Snapshot s, IReadOnlyDictionary<string, Metric>? metrics = null, IReadOnlyDictionary<string, Fact>? facts = null,
        Provenance? provenance = null) => new(provenance ?? s.Provenance, metrics ?? s.Metrics, facts ?? s.Facts);

    [Test]
    public void TheMessageOfEachOutcomeIsExact()
    {
        var rows = new[] { new GoldenRow("test.accuracy", "0.85", "0.87", "0.02", "0.005", "statistical", "FAIL") };
        var rule = new RuleChoice(ComparisonRule.Statistical, "because");
        var table =
            "metric        | verified | received | |diff| | tolerance | rule        | status\n" +
            "--------------|----------|----------|--------|-----------|-------------|-------\n" +
            "test.accuracy | 0.85     | 0.87     | 0.02   | 0.005     | statistical | FAIL\n";

        var fail = new GoldenResult("slpf-3", GoldenOutcome.Fail, "/g/v.json", "/g/r.json", ["p1", "p2"], rows, "poslf approve x", rule);
        Assert.That(fail.Table, Is.EqualTo(table));
        Assert.That(fail.Message, Is.EqualTo(
            "golden 'slpf-3' differs from /g/v.json; received written to /g/r.json\n  p1\n  p2\n  rule: statistical — because\n" +
            table + "to accept the received values: poslf approve x\n"));
        Assert.That(fail.ToString(), Is.EqualTo(fail.Message));

        var missing = fail with { Outcome = GoldenOutcome.Missing, Problems = [], Rule = null };
        Assert.That(missing.Message, Is.EqualTo(
            "golden 'slpf-3' has no verified snapshot (/g/v.json); received written to /g/r.json\n" + table +
            "to accept the received values: poslf approve x\n"));

        var pass = fail with { Outcome = GoldenOutcome.Pass, Problems = [] };
        Assert.That(pass.Message, Is.EqualTo("golden 'slpf-3' matches /g/v.json\n  rule: statistical — because\n" + table),
            "a pass prints no approve command");
    }

    [Test]
    public void AMissingGoldenListsEveryReceivedMetricAndFactAsNew()
    {
        var result = Store.Check("slpf-3", Sample());
        Assert.That(result.Problems, Is.EqualTo((string[])["no verified snapshot yet for smoke v1"]));
        Assert.That(result.Rows, Is.EqualTo((GoldenRow[])[
            new("test.accuracy", "—", "0.85", "—", "0.005", "—", "new"),
            new("test.macro_f1", "—", "0.61", "—", "0.01", "—", "new"),
            new("claim.outcome", "—", "\"holds\"", "—", "exact", "exact", "new"),
            new("test.words", "—", "25094", "—", "exact", "exact", "new"),
            new("trainable_parameters", "—", "6528", "—", "exact", "exact", "new"),
        ]));
        Assert.That(result.ApproveCommand, Is.EqualTo("poslf approve --profile smoke --backend cpu slpf-3"));
        Assert.Throws<ArgumentNullException>(() => Store.Check("slpf-3", null!));
    }

    [Test]
    public void RowsComeMetricsFirstThenFactsEachInOrdinalOrderAndOneSidedFactsSayWhichSide()
    {
        var verified = With(Sample(),
            metrics: new Dictionary<string, Metric> { ["b.acc"] = new(0.5, 0.1), ["a.acc"] = new(0.5, 0.1) },
            facts: new Dictionary<string, Fact> { ["z.gone"] = Fact.Of(1), ["m.same"] = Fact.Of("x") });
        var received = With(Sample(),
            metrics: new Dictionary<string, Metric> { ["c.acc"] = new(0.5, 0.1), ["a.acc"] = new(0.5, 0.1), ["b.acc"] = new(0.5, 0.1) },
            facts: new Dictionary<string, Fact> { ["m.same"] = Fact.Of("x"), ["a.added"] = Fact.Of(true) });
        Seed(verified);
        var result = Store.Check("slpf-3", received);
        Assert.That(result.Rows.Select(r => (r.Name, r.Status)), Is.EqualTo(((string, string)[])[
            ("a.acc", "ok"), ("b.acc", "ok"), ("c.acc", "new"),
            ("a.added", "new"), ("m.same", "ok"), ("z.gone", "missing"),
        ]));
        Assert.That(result.Rows.Single(r => r.Name == "z.gone"), Is.EqualTo(new GoldenRow("z.gone", "1", "—", "—", "exact", "exact", "missing")));
        Assert.That(result.Rows.Single(r => r.Name == "a.added"), Is.EqualTo(new GoldenRow("a.added", "—", "true", "—", "exact", "exact", "new")));
        Assert.That(result.Outcome, Is.EqualTo(GoldenOutcome.Fail));
    }

    [Test]
    public void TheDecimalSlackGrowsWithTheMagnitudeOfTheValues()
    {
        // 1e-12 relative to the larger of the two values (at least 1): around 1000 it is 1e-9, so a difference
        // 5e-10 beyond a tolerance of 0.01 still passes, and 5e-9 beyond it fails.
        Seed(With(Sample(), metrics: new Dictionary<string, Metric> { ["train.tokens_per_second"] = new(1000, 0.01) }));
        Metrics(1000.0100000005, 0.01, pass: true);
        Metrics(1000.010000005, 0.01, pass: false);
        // only the larger value sets the scale: 0.5 against 1000.5 with a tolerance of 1000 (diff − tol = 5e-10)
        Seed(With(Sample(), metrics: new Dictionary<string, Metric> { ["train.tokens_per_second"] = new(0.5, 1000) }));
        Metrics(1000.5000000005, 1000, pass: true);

        void Metrics(double value, double tolerance, bool pass)
        {
            var received = With(Sample(), metrics: new Dictionary<string, Metric> { ["train.tokens_per_second"] = new(value, tolerance) });
            Assert.That(Store.Check("slpf-3", received).Passed, Is.EqualTo(pass), $"{value} ± {tolerance}");
        }
    }

    [Test]
    public void UnderTheExactRuleAnAccuracyMustBeBitEqualWithNoSlack()
    {
        Seed(Sample(accuracy: 0.85, fingerprint: Here));
        var nextDouble = Store.Check("slpf-3", Sample(accuracy: Math.BitIncrement(0.85), fingerprint: Here));
        Assert.That(nextDouble.Passed, Is.False, nextDouble.Message);
        Assert.That(nextDouble.Rows.Single(r => r.Name == "test.accuracy").Status, Is.EqualTo("FAIL"));
    }

    [Test]
    public void PendingIsInOrdinalPathOrderAndFiltersByProfileAndBackend()
    {
        foreach (var (profile, backend, experiment) in new[]
                 {
                     ("smoke", "cuda", "slpf-1"), ("full", "cpu", "b"), ("smoke", "cpu", "slpf-2"), ("smoke", "cpu", "baseline"),
                     ("full", "cuda", "a"),
                 })
        {
            Store.Check(experiment, new Snapshot(Sample().Provenance with { Profile = profile, Backend = backend }, Sample().Metrics));
        }
        Seed(Sample(), "slpf-2");
        Assert.That(Store.Pending().Select(p => $"{p.Profile}/{p.Backend}/{p.Experiment}:{p.HasVerified}"), Is.EqualTo((string[])[
            "full/cpu/b:False", "full/cuda/a:False", "smoke/cpu/baseline:False", "smoke/cpu/slpf-2:True", "smoke/cuda/slpf-1:False",
        ]));
        Assert.That(Store.Pending(profile: "smoke").Select(p => p.Experiment), Is.EqualTo((string[])["baseline", "slpf-2", "slpf-1"]));
        Assert.That(Store.Pending(backend: "cuda").Select(p => p.Experiment), Is.EqualTo((string[])["a", "slpf-1"]));
        Assert.That(Store.Pending("full", "cpu").Single().ReceivedPath, Is.EqualTo(Store.ReceivedPath("full", "cpu", "b")));
        Assert.That(new GoldenStore(Path.Combine(Root, "nowhere")).Pending(), Is.Empty);
    }

    [Test]
    public void ApprovingOneOfSeveralPendingPromotesOnlyThatOne()
    {
        Store.Check("baseline", Sample());
        Store.Check("slpf-0", Sample());
        var approvals = Store.Approve("smoke", "cpu", ["slpf-0"]);
        Assert.That(approvals.Select(a => a.Experiment), Is.EqualTo((string[])["slpf-0"]));
        Assert.That(Store.Pending().Select(p => p.Experiment), Is.EqualTo((string[])["baseline"]));
    }

    [Test]
    public void RefusalsNameWhatIsMissingAndWhere()
    {
        Assert.That(Assert.Throws<ArgumentNullException>(() => Store.Approve(null, null, null!))!.ParamName, Is.EqualTo("experiments"));
        var none = Assert.Throws<ArgumentException>(() => Store.Approve(null, null, []));
        Assert.That(none!.Message, Is.EqualTo("Name at least one experiment (or approve all pending). (Parameter 'experiments')"));

        Assert.That(Assert.Throws<InvalidOperationException>(() => Store.Approve("smoke", "cpu", ["slpf-3", "all"]))!.Message,
            Is.EqualTo($"Nothing received to approve for slpf-3, all under smoke/cpu in {Root}."));
        Assert.That(Assert.Throws<InvalidOperationException>(() => Store.Approve(null, null, ["slpf-3"]))!.Message,
            Is.EqualTo($"Nothing received to approve for slpf-3 in {Root}."));
        Assert.That(Assert.Throws<InvalidOperationException>(() => Store.ApproveAll("smoke"))!.Message,
            Is.EqualTo($"Nothing received to approve under profile 'smoke' in {Root}."));
        Assert.That(Assert.Throws<InvalidOperationException>(() => Store.ApproveAll(backend: "cuda"))!.Message,
            Is.EqualTo($"Nothing received to approve under backend 'cuda' in {Root}."));
        Assert.That(Assert.Throws<InvalidOperationException>(() => Store.ApproveAll())!.Message,
            Is.EqualTo($"Nothing received to approve in {Root}."));
    }

    [Test]
    public void ApprovalListsProvenanceMetricAndFactChangesInOrder()
    {
        var verified = With(Sample(fingerprint: Here),
            metrics: new Dictionary<string, Metric> { ["b.kept"] = new(0.5, 0.1), ["a.removed"] = new(0.25, 0.1), ["c.moved"] = new(0.5, 0.1) },
            facts: new Dictionary<string, Fact> { ["f.removed"] = Fact.Of(3), ["g.changed"] = Fact.Of("holds"), ["h.kept"] = Fact.Of(true) });
        var received = With(Sample(),
            metrics: new Dictionary<string, Metric> { ["b.kept"] = new(0.5, 0.1), ["c.moved"] = new(0.75, 0.2), ["d.added"] = new(0.125, 0.01) },
            facts: new Dictionary<string, Fact> { ["e.added"] = Fact.Of(false), ["g.changed"] = Fact.Of("does not hold"), ["h.kept"] = Fact.Of(true) },
            provenance: Sample().Provenance with { ProfileVersion = "1", Model = "minilm" });
        Seed(verified);
        Receive(received);
        var changes = Store.Approve("smoke", "cpu", ["slpf-3"]).Single().Changes;
        Assert.That(changes, Is.EqualTo((string[])[
            "fingerprint: cpu on cpu backend, TorchSharp 0.107.0, libtorch 2.10.0, avx512, 2 thread(s) → none",
            "a.removed: removed (was 0.25)",
            "c.moved: 0.5 → 0.75",
            "c.moved tolerance: 0.1 → 0.2",
            "d.added: added 0.125 ± 0.01",
            "e.added: added false",
            "f.removed: removed (was 3)",
            "g.changed: \"holds\" → \"does not hold\"",
            "fingerprint: none recorded (runs made before fingerprints, or on mixed platforms): this golden is compared statistically everywhere",
        ]));
    }

    [Test]
    public void ApprovalOfAnotherProtocolSaysWhichAndAnUnchangedOneSaysSo()
    {
        Seed(Sample(model: "minilm", profileVersion: "1"));
        Receive(Sample(model: "tiny-bert", profileVersion: "2", fingerprint: Here));
        Assert.That(Store.Approve("smoke", "cpu", ["slpf-3"]).Single().Changes, Is.EqualTo((string[])[
            "profile version: 1 → 2",
            "model: minilm → tiny-bert",
            "fingerprint: none → cpu on cpu backend, TorchSharp 0.107.0, libtorch 2.10.0, avx512, 2 thread(s)",
        ]));

        // same values, another commit and date: only provenance moved
        Receive(new Snapshot(Sample(model: "tiny-bert", profileVersion: "2", fingerprint: Here).Provenance with { Commit = "f00d", Date = "2026-12-01" },
            Sample().Metrics, Sample().Facts));
        Assert.That(Store.Approve("smoke", "cpu", ["slpf-3"]).Single().Changes, Is.EqualTo((string[])["no value changed (provenance only)"]));
    }

    [Test]
    public void ANewGoldensApprovalListsItsMetricsFactsAndFingerprint()
    {
        Store.Check("slpf-3", Sample(fingerprint: Here));
        var approval = Store.ApproveAll().Single();
        Assert.That(approval.WasNew, Is.True);
        Assert.That(approval.Changes, Is.EqualTo((string[])[
            "test.accuracy: new 0.85 ± 0.005",
            "test.macro_f1: new 0.61 ± 0.01",
            "claim.outcome: new \"holds\"",
            "test.words: new 25094",
            "trainable_parameters: new 6528",
            "fingerprint: cpu on cpu backend, TorchSharp 0.107.0, libtorch 2.10.0, avx512, 2 thread(s)",
            // Sample() records no treebank: approval says what it is taken as (GoldenTreebankTests)
            "treebank: none recorded (taken as en_ewt (train 3fb78e2b55482c8e, 204577 words; dev 531a54ff90d6ab12, 25147 words; test e266e515a0a75476, 25094 words))",
        ]));
    }

    [Test]
    public void EverySegmentMustBeAPlainFileName()
    {
        // '/' and NUL are Linux's invalid file-name characters; '\\' is refused everywhere so a golden path means the
        // same folder on Windows. Each at the start and inside a name.
        foreach (var segment in new[] { ".", "..", "/etc", "a/b", "a\\b", "\\b", "\0b", "a\0" })
            RefusedEverywhere(segment);
    }

    private void RefusedEverywhere(string segment)
    {
        foreach (var (profile, backend, experiment, what) in new[]
                 {
                     (segment, "cpu", "x", "profile"), ("smoke", segment, "x", "backend"), ("smoke", "cpu", segment, "experiment"),
                 })
        {
            var error = Assert.Throws<ArgumentException>(() => Store.VerifiedPath(profile, backend, experiment), what);
            Assert.That(error!.Message, Is.EqualTo($"'{segment}' cannot name a golden {what} (it must be a plain file name). (Parameter '{what}')"));
            Assert.Throws<ArgumentException>(() => Store.ReceivedPath(profile, backend, experiment), what);
        }
    }

    [Test]
    public void BlankSegmentsAndRootsAreRefused()
    {
        Assert.That(Assert.Throws<ArgumentException>(() => Store.VerifiedPath("smoke", "cpu", "  "))!.ParamName, Is.EqualTo("experiment"));
        Assert.That(Assert.Throws<ArgumentException>(() => Store.VerifiedPath(" ", "cpu", "x"))!.ParamName, Is.EqualTo("profile"));
        Assert.Throws<ArgumentException>(() => _ = new GoldenStore("   "));
        // plain names with dots are fine
        Assert.That(Store.VerifiedPath("smoke", "cpu", "clpf-0+1.v2"), Is.EqualTo(Path.Combine(Root, "smoke", "cpu", "clpf-0+1.v2.verified.json")));
    }

    [Test]
    public void LocateUsesTheEnvironmentUnlessBlankAndSaysWhatToDoWhenThereIsNoSolution()
    {
        var saved = Environment.GetEnvironmentVariable(GoldenStore.EnvironmentVariable);
        try
        {
            var fromEnvironment = Path.Combine(Root, "env-golden");
            Environment.SetEnvironmentVariable(GoldenStore.EnvironmentVariable, fromEnvironment);
            Assert.That(GoldenStore.Locate(startDirectory: "/").Root, Is.EqualTo(fromEnvironment));
            Assert.That(GoldenStore.Locate(goldenDir: Root).Root, Is.EqualTo(Root), "an explicit folder wins over the environment");

            // a blank variable is no folder: the walk-up decides
            Environment.SetEnvironmentVariable(GoldenStore.EnvironmentVariable, "  ");
            var repo = Directory.CreateDirectory(Path.Combine(Root, "repo", "a")).FullName;
            File.WriteAllText(Path.Combine(Root, "repo", "POSLayerFreeze.sln"), "");
            Assert.That(GoldenStore.Locate(startDirectory: repo).Root, Is.EqualTo(Path.Combine(Root, "repo", "golden")));

            Environment.SetEnvironmentVariable(GoldenStore.EnvironmentVariable, null);
            var lonely = Directory.CreateDirectory(Path.Combine(Root, "lonely")).FullName;
            if (File.Exists(Path.Combine(Path.GetTempPath(), "POSLayerFreeze.sln")) || File.Exists("/POSLayerFreeze.sln"))
                Assert.Ignore("a POSLayerFreeze.sln above the temp folder");
            var error = Assert.Throws<DirectoryNotFoundException>(() => GoldenStore.Locate(startDirectory: lonely));
            Assert.That(error!.Message, Is.EqualTo(
                $"No POSLayerFreeze.sln at or above '{lonely}'; pass the golden folder explicitly or set POSLF_GOLDEN_DIR."));
        }
        finally
        {
            Environment.SetEnvironmentVariable(GoldenStore.EnvironmentVariable, saved);
        }
    }
}
