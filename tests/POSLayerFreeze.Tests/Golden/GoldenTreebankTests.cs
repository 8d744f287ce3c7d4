using System.Text.Json.Nodes;
using POSLayerFreeze.Data;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Golden;

namespace POSLayerFreeze.Tests.Golden;

/// <summary>
/// Issue 14 §2: a golden records the treebank it was made on and holds only for that treebank, as it holds only for
/// its own profile and model. Snapshots made before the record (golden/full/cuda) are taken as EWT at the pinned commit.
/// </summary>
public sealed class GoldenTreebankTests : TempGoldenStoreFixture
{
    /// <summary>English LinES as the shared release files are (sha256 and words from TreebankTests' README table).</summary>
    private static readonly GoldenTreebank Lines = new("en_lines",
        new("27609ded288bf3704def21f18d227e3f40957b4981174411f6bed34acf3025b6", 64_684),
        new("3aabd1f843517fb615c8760c316a76125af2fff01c59b9a4049fe7c393891d2b", 21_637),
        new("14c56b50da6d8876ce1fdaa9b19c2845dfff73ff57766ddc2f812d88612ce3a8", 19_984));

    private static Snapshot Sample(GoldenTreebank? treebank, double accuracy = 0.85) => new(
        new Provenance("smoke", "2", "minilm", "cpu", [42], "0.107.0", "2.10.0", "cpu", "2026-12-01", "abc1234", Treebank: treebank),
        new Dictionary<string, Metric> { ["test.accuracy"] = new(accuracy, 0.005) },
        new Dictionary<string, Fact> { ["test.words"] = Fact.Of(25094) });

    private string Verified => Store.VerifiedPath("smoke", "cpu", "baseline");

    private string Received => Store.ReceivedPath("smoke", "cpu", "baseline");

    private void Seed(Snapshot verified)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Verified)!);
        File.WriteAllText(Verified, verified.ToJson());
    }

    [Test]
    public void The_pinned_EWT_is_what_the_shared_release_files_are()
    {
        // The assumption made for goldens without a record, checked against the files they were made on.
        var ewt = DatasetLocator.LocateTreebank(null, TestPaths.DatasetDir);
        foreach (var (split, pinned) in GoldenTreebank.PinnedEwt.Splits)
        {
            Assert.That(ewt.Identity.Splits.Single(s => s.Split == split).Sha256, Is.EqualTo(pinned.Sha256), split);
            Assert.That(SplitCounts.Of(ewt.Load(split)).Words, Is.EqualTo(pinned.Words), split + " words as the CoNLL 2018 scorer counts them");
        }
        Assert.That(GoldenTreebank.PinnedEwt.Name, Is.EqualTo(ewt.Name));
    }

    [Test]
    public void Every_golden_in_the_repository_is_of_the_pinned_EWT()
    {
        var files = Directory.GetFiles(Path.Combine(TestPaths.RepoRoot, "golden"), "*.verified.json", SearchOption.AllDirectories);
        Assert.That(files, Is.Not.Empty);
        foreach (var file in files) Assert.That(Snapshot.Load(file).Provenance.EffectiveTreebank, Is.EqualTo(GoldenTreebank.PinnedEwt), file);
        var fullCuda = Snapshot.Load(Path.Combine(TestPaths.RepoRoot, "golden", "full", "cuda", "baseline.verified.json"));
        Assert.That(fullCuda.Provenance.Treebank, Is.Null, "full/cuda (v1) predates the record: taken as the pinned EWT");
    }

    [Test]
    public void A_golden_of_another_treebank_is_no_golden_and_the_problem_names_the_field()
    {
        Seed(Sample(GoldenTreebank.PinnedEwt));
        var before = File.ReadAllBytes(Verified);

        var result = Store.Check("baseline", Sample(Lines));

        Assert.That(result.Outcome, Is.EqualTo(GoldenOutcome.Missing), result.Message);
        Assert.That(result.Passed, Is.False);
        Assert.That(result.Problems, Is.EqualTo((string[])[
            "no golden for smoke v2: the verified snapshot is of another treebank (treebank.name: verified 'en_ewt', received 'en_lines')"]));
        Assert.That(result.Rule, Is.Null, "nothing was compared, though every number is equal");
        Assert.That(File.ReadAllBytes(Verified), Is.EqualTo(before), "the EWT golden stays");
        Assert.That(Snapshot.Load(Received).Provenance.Treebank, Is.EqualTo(Lines));
    }

    [TestCase("test", true, "treebank.test.sha256: verified e266e515a0a7547657ed3d90d9ba46487d6bd251f27ad4269d4e8a427c8555cd, received 00")]
    [TestCase("dev", false, "treebank.dev.words: verified 25147, received 25146")]
    public void Other_files_under_the_same_name_are_no_golden_either(string split, bool changeSha, string expected)
    {
        Seed(Sample(GoldenTreebank.PinnedEwt));
        GoldenSplit Change(GoldenSplit s) => changeSha ? s with { Sha256 = "00" } : s with { Words = s.Words - 1 };
        var pinned = GoldenTreebank.PinnedEwt;
        var other = split == "test" ? pinned with { Test = Change(pinned.Test) } : pinned with { Dev = Change(pinned.Dev) };

        var result = Store.Check("baseline", Sample(other));

        Assert.That(result.Outcome, Is.EqualTo(GoldenOutcome.Missing));
        Assert.That(result.Problems.Single(), Does.Contain($"the verified snapshot is of another treebank ({expected})"));
    }

    [Test]
    public void A_golden_without_a_record_is_taken_as_the_pinned_EWT()
    {
        Seed(Sample(treebank: null));

        var lines = Store.Check("baseline", Sample(Lines));
        Assert.That(lines.Outcome, Is.EqualTo(GoldenOutcome.Missing));
        Assert.That(lines.Problems.Single(), Does.EndWith(
            "(treebank.name: verified 'en_ewt', received 'en_lines'; it records none and is taken as UD English EWT at the pinned commit)"));

        var moved = Store.Check("baseline", Sample(GoldenTreebank.PinnedEwt, accuracy: 0.80));
        Assert.That(moved.Outcome, Is.EqualTo(GoldenOutcome.Fail), "an EWT run is compared with it, value by value");

        // Both without a record (a legacy run against a legacy golden): compared, and nothing is written on a pass.
        Assert.That(Store.Check("baseline", Sample(treebank: null)).Problems, Is.Empty);
        Assert.That(File.Exists(Received), Is.False);
    }

    [Test]
    public void A_pass_against_a_golden_without_a_record_writes_the_received_one_and_approving_it_records_the_treebank()
    {
        Seed(Sample(treebank: null));
        var before = File.ReadAllBytes(Verified);

        var pass = Store.Check("baseline", Sample(GoldenTreebank.PinnedEwt));

        Assert.That(pass.Outcome, Is.EqualTo(GoldenOutcome.Pass), pass.Message);
        Assert.That(pass.Problems.Single(), Does.Contain("records no treebank").And.Contain("approve it to record the treebank"));
        Assert.That(File.ReadAllBytes(Verified), Is.EqualTo(before), "a check never writes the verified file");
        Assert.That(Store.Pending().Select(p => p.Experiment), Is.EqualTo((string[])["baseline"]));

        var approval = Store.Approve("smoke", "cpu", ["baseline"]).Single();

        Assert.That(approval.Changes, Has.Some.EqualTo(
            $"treebank: none recorded (taken as {GoldenTreebank.PinnedEwt.Describe()}) → {GoldenTreebank.PinnedEwt.Describe()}"));
        Assert.That(Snapshot.Load(Verified).Provenance.Treebank, Is.EqualTo(GoldenTreebank.PinnedEwt));
        var again = Store.Check("baseline", Sample(GoldenTreebank.PinnedEwt));
        Assert.That((again.Outcome, again.Problems.Count, File.Exists(Received)), Is.EqualTo((GoldenOutcome.Pass, 0, false)));
    }

    [Test]
    public void Approving_a_new_golden_writes_its_treebank_name_sha256s_and_word_counts()
    {
        var missing = Store.Check("baseline", Sample(Lines));
        Assert.That(missing.Outcome, Is.EqualTo(GoldenOutcome.Missing));

        var approval = Store.Approve("smoke", "cpu", ["baseline"]).Single();

        Assert.That(approval.Changes, Has.Some.EqualTo(
            "treebank: en_lines (train 27609ded288bf370, 64684 words; dev 3aabd1f843517fb6, 21637 words; test 14c56b50da6d8876, 19984 words)"));
        var written = JsonNode.Parse(File.ReadAllText(Verified))!["provenance"]!["treebank"]!;
        Assert.That(written["name"]!.GetValue<string>(), Is.EqualTo("en_lines"));
        Assert.That(written["train"]!["sha256"]!.GetValue<string>(), Is.EqualTo(Lines.Train.Sha256));
        Assert.That(written["dev"]!["words"]!.GetValue<long>(), Is.EqualTo(21_637));
        Assert.That(written["test"]!.AsObject().Select(p => p.Key), Is.EqualTo((string[])["sha256", "words"]));
        Assert.That(Store.Check("baseline", Sample(Lines)).Passed, Is.True, "the approved golden holds for its treebank");
    }

    [Test]
    public void A_snapshot_without_a_record_keeps_its_bytes_and_one_with_it_round_trips()
    {
        Assert.That(Sample(treebank: null).ToJson(), Does.Not.Contain("treebank"));
        var json = Sample(Lines).ToJson();
        Assert.That(Snapshot.Parse(json).Provenance.Treebank, Is.EqualTo(Lines));
        Assert.That(Snapshot.Parse(json).ToJson(), Is.EqualTo(json));
        var bad = json.Replace("\"words\": 64684", "\"words\": \"many\"", StringComparison.Ordinal);
        Assert.That(() => Snapshot.Parse(bad), Throws.InstanceOf<FormatException>().With.Message.Contain("treebank.train.words"));
    }

    private static RunRecord Run(long seed, GoldenTreebank? treebank)
    {
        var metrics = new JsonObject();
        if (treebank is not null)
        {
            var json = new JsonObject { ["name"] = treebank.Name };
            foreach (var (split, value) in treebank.Splits)
                json[split] = new JsonObject { ["file"] = $"{treebank.Name}-ud-{split}.conllu", ["sha256"] = value.Sha256, ["sentences"] = 10, ["words"] = value.Words };
            metrics["treebank"] = json;
        }
        return new RunRecord("baseline", seed, $"/runs/baseline/seed-{seed}", Tests.Experiments.PartialMetrics.Of(metrics), [], []);
    }

    private static readonly GoldenContext Context = new(POSLayerFreeze.Training.TrainingProfile.Smoke, "minilm", "cpu", "cpu");

    [Test]
    public void A_snapshot_records_the_treebank_of_its_runs_and_refuses_a_mix()
    {
        Assert.That(GoldenSnapshots.ProvenanceOf([Run(42, Lines), Run(43, Lines)], Context).Treebank, Is.EqualTo(Lines));
        Assert.That(GoldenSnapshots.ProvenanceOf([Run(42, null), Run(43, GoldenTreebank.PinnedEwt)], Context).Treebank,
            Is.EqualTo(GoldenTreebank.PinnedEwt), "a run from before the record read the pinned EWT");
        Assert.That(GoldenSnapshots.ProvenanceOf([Run(42, null)], Context).Treebank, Is.Null);
        Assert.That(() => GoldenSnapshots.ProvenanceOf([Run(42, Lines), Run(43, GoldenTreebank.PinnedEwt)], Context),
            Throws.InstanceOf<InvalidDataException>().With.Message.Contain("different treebanks").And.Message.Contain("en_lines").And.Message.Contain("en_ewt"));
        Assert.That(() => GoldenSnapshots.ProvenanceOf([Run(42, null), Run(43, Lines)], Context), Throws.InstanceOf<InvalidDataException>());
    }
}
