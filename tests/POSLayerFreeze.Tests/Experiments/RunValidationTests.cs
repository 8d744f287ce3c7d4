using System.IO.Compression;
using System.Text.Json.Nodes;
using POSLayerFreeze.Data;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Reporting;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tests.Cli;

namespace POSLayerFreeze.Tests.Experiments;

/// <summary>
/// Issue 12 §1/§5: a run is identified by what it read (the split files' content), a results folder and a merge
/// hold one experiment, and results read back are believed only when they check out.
/// </summary>
public class RunValidationTests
{
    private static string OneRun(out string runDir)
    {
        var dir = TinyWorld.TempDir("valid");
        var (correct, words) = SyntheticRuns.Uniform(8);
        SyntheticRuns.Write(dir, "baseline", 42, correct, words);
        runDir = Path.Combine(dir, "baseline", "seed-42");
        Assert.That(ResultsFolder.Inspect(dir).Runs, Has.Count.EqualTo(1), "the synthetic run is valid to begin with");
        return dir;
    }

    private static RejectedRun Rejected(string dir)
    {
        var contents = ResultsFolder.Inspect(dir);
        Assert.That(contents.Runs, Is.Empty, "a bad run is not a finished run");
        Assert.That(contents.Rejected, Has.Count.EqualTo(1));
        return contents.Rejected[0];
    }

    private static void EditMetrics(string runDir, Action<JsonObject> edit)
    {
        var path = Path.Combine(runDir, RunExecutor.MetricsFile);
        var json = (JsonObject)JsonNode.Parse(File.ReadAllText(path))!;
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    [TestCase("test", "field 'test.words' is missing")]
    [TestCase("config", "field 'config' is missing")]
    [TestCase("predictions", "field 'predictions.file' is missing")]
    [TestCase("inputs", "field 'inputs' is missing")]
    public void Metrics_lacking_a_field_are_rejected_naming_file_and_field(string field, string problem)
    {
        var dir = OneRun(out var runDir);
        EditMetrics(runDir, m => m.Remove(field));
        var bad = Rejected(dir);
        Assert.That(bad.File, Is.EqualTo(Path.Combine(runDir, RunExecutor.MetricsFile)));
        Assert.That(bad.Problem, Does.Contain(problem));
    }

    [Test]
    public void A_field_of_the_wrong_type_a_hand_edited_accuracy_or_inputs_are_rejected()
    {
        var dir = OneRun(out var runDir);
        EditMetrics(runDir, m => m["test"]!["words"] = "many");
        Assert.That(Rejected(dir).Problem, Does.Contain("field 'test.words' must be an integer"));

        dir = OneRun(out runDir);
        EditMetrics(runDir, m => m["test"]!["accuracy"] = 0.99);
        Assert.That(Rejected(dir).Problem, Does.Contain("field 'test.accuracy' is 0.99 but test.correct / test.words"));

        dir = OneRun(out runDir);
        EditMetrics(runDir, m => m["inputs"]!["seed"] = 7);
        Assert.That(Rejected(dir).Problem, Does.Contain("'inputs_hash' is not the hash of 'inputs'"));

        dir = OneRun(out runDir);
        File.WriteAllText(Path.Combine(runDir, RunExecutor.MetricsFile), "[1, 2]");
        Assert.That(Rejected(dir).Problem, Does.Contain("not a JSON object"));
    }

    [Test]
    public void A_deleted_or_changed_predictions_file_is_noticed()
    {
        var dir = OneRun(out var runDir);
        var predictions = Path.Combine(runDir, RunExecutor.PredictionsFile);
        File.Delete(predictions);
        var bad = Rejected(dir);
        Assert.That(bad.File, Is.EqualTo(predictions));
        Assert.That(bad.Problem, Does.Contain("missing"));

        dir = OneRun(out runDir);
        predictions = Path.Combine(runDir, RunExecutor.PredictionsFile);
        File.AppendAllText(predictions, "# edited\n");
        Assert.That(Rejected(dir).Problem, Does.Contain("does not match the sha256"));
    }

    [Test]
    public void Per_sentence_counts_must_add_up()
    {
        var dir = OneRun(out var runDir);
        var path = Path.Combine(runDir, RunExecutor.SentencesFile);
        File.WriteAllText(path, File.ReadAllText(path).Replace("8", "9", StringComparison.Ordinal));
        var bad = Rejected(dir);
        Assert.That(bad.File, Is.EqualTo(path));
        Assert.That(bad.Problem, Does.Contain("do not add up"));
    }

    [Test]
    public void Report_names_a_bad_run_and_summarizes_the_rest_without_a_stack_trace()
    {
        var dir = OneRun(out var runDir);
        var (correct, words) = SyntheticRuns.Uniform(9);
        SyntheticRuns.Write(dir, "all", 42, correct, words);
        EditMetrics(runDir, m => m.Remove("test"));
        var result = Poslf.Run("report", dir);
        Assert.That(result.ExitCode, Is.Zero, result.Stderr);
        Assert.That(result.Stderr, Does.Contain("poslf: warning: field 'test.words' is missing").And.Contain(Path.Combine(runDir, RunExecutor.MetricsFile)));
        Assert.That(result.Stdout + result.Stderr, Does.Not.Contain("   at "));
        Assert.That(JsonNode.Parse(File.ReadAllText(Path.Combine(dir, Summary.JsonFile)))!["runs"]!.GetValue<int>(), Is.EqualTo(1));

        File.Delete(Path.Combine(dir, "all", "seed-42", RunExecutor.PredictionsFile));
        Poslf.AssertError(Poslf.Run("report", dir), 1, "no finished runs", dir);
    }

    [Test]
    public void Merge_refuses_runs_on_different_data_naming_both_runs_and_the_field()
    {
        var a = OneRun(out var runA);
        var b = TinyWorld.TempDir("valid-b");
        var (correct, words) = SyntheticRuns.Uniform(7);
        SyntheticRuns.Write(b, "all", 42, correct, words, testData: "CUT");
        var outDir = TinyWorld.TempDir("valid-merge");
        Assert.That(() => Merge.Into([a, b], outDir), Throws.TypeOf<InvalidDataException>()
            .With.Message.Contains("inputs.dataset[2]").And.Message.Contains(runA).And.Message.Contains(Path.Combine(b, "all", "seed-42")));
        Assert.That(Directory.EnumerateFiles(outDir, "metrics.json", SearchOption.AllDirectories), Is.Empty, "nothing copied");

        var cli = Poslf.Run("merge", a, b, "--out", TinyWorld.TempDir("valid-merge"));
        Poslf.AssertError(cli, 1, "inputs.dataset[2]");

        // A target folder already holding another experiment is refused too.
        var c = TinyWorld.TempDir("valid-c");
        SyntheticRuns.Write(c, "slpf-0", 42, correct, words);
        Assert.That(() => Merge.Into([c], b), Throws.TypeOf<InvalidDataException>().With.Message.Contains("inputs.dataset[2]"));
    }

    [Test]
    public void Report_refuses_a_folder_mixing_experiments()
    {
        var dir = OneRun(out _);
        var (correct, words) = SyntheticRuns.Uniform(7);
        SyntheticRuns.Write(dir, "all", 42, correct, words, testData: "CUT");
        Poslf.AssertError(Poslf.Run("report", dir), 1, "inputs.dataset[2]", "all/seed-42");
    }

    [Test]
    public void File_fingerprints_hash_the_content_read_and_notice_a_change()
    {
        var dir = TinyWorld.TempDir("fingerprint");
        var plain = Path.Combine(dir, "a.conllu");
        File.WriteAllText(plain, "hello\n");
        var gz = Path.Combine(dir, "a.conllu.gz");
        using (var stream = new GZipStream(File.Create(gz), CompressionLevel.Optimal)) stream.Write("hello\n"u8);
        Assert.That(FileFingerprint.Sha256(gz), Is.EqualTo(FileFingerprint.Sha256(plain)), "gzip is hashed by content");
        Assert.That(FileFingerprint.Sha256(plain), Is.EqualTo("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"), "sha256 of 'hello\\n'");
        var before = FileFingerprint.Sha256(plain);
        File.WriteAllText(plain, "HELLO\n");   // same size
        File.SetLastWriteTimeUtc(plain, File.GetLastWriteTimeUtc(plain).AddSeconds(5));
        Assert.That(FileFingerprint.Sha256(plain), Is.Not.EqualTo(before));
    }
}

/// <summary>The same on real runs of the tiny world: cut test data is another experiment, a damaged run is redone.</summary>
public class RunIdentityTests : TinyTorchFixture
{
    [Test]
    public void Cutting_the_test_split_changes_the_inputs_and_the_old_folder_is_refused()
    {
        var data = TinyWorld.TempDir("cutdata");
        foreach (var file in Directory.GetFiles(TinyWorld.DataDir)) File.Copy(file, Path.Combine(data, Path.GetFileName(file)));
        var outDir = TinyWorld.TempDir("cut");
        var request = new SweepRequest(["baseline"], [42], TinyWorld.Profile, TinyWorld.ModelDir, "cpu", false, outDir, data);
        var (model, specs) = Sweep.Plan(request);
        Sweep.Run(request, specs, model, new SweepTests.RecordingObserver(), CancellationToken.None);
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "baseline", "seed-42", RunExecutor.MetricsFile)))!;
        var testFile = Path.Combine(data, "en_ewt-ud-test.conllu");
        Assert.That(metrics["inputs"]!["dataset"]![2]!.GetValue<string>(), Is.EqualTo("test:" + FileFingerprint.Sha256(testFile)));

        // Keep only the first sentences of test, as a user trimming the file would.
        var original = File.ReadAllText(testFile);
        var blocks = original.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        File.WriteAllText(testFile, string.Concat(blocks.Take(5).Select(b => b.Trim('\n') + "\n\n")));
        var (_, cutSpecs) = Sweep.Plan(request);
        Assert.That(cutSpecs[0].InputsHash, Is.Not.EqualTo(specs[0].InputsHash), "the data are part of the inputs");
        Assert.That(RunExecutor.IsFinished(Path.Combine(outDir, "baseline", "seed-42"), cutSpecs[0]), Is.False);
        Assert.That(() => Sweep.Run(request, cutSpecs, model, new SweepTests.RecordingObserver(), CancellationToken.None),
            Throws.TypeOf<InvalidDataException>().With.Message.Contains("inputs.dataset[2]").And.Message.Contains("baseline/seed-42"));

        // A damaged run in a folder of the same experiment is redone.
        File.WriteAllText(testFile, original);
        File.Delete(Path.Combine(outDir, "baseline", "seed-42", RunExecutor.PredictionsFile));
        var again = new SweepTests.RecordingObserver();
        Sweep.Run(request, specs, model, again, CancellationToken.None);
        Assert.That(again.Started.Select(s => s.Config), Is.EqualTo(new[] { "baseline" }));
        Assert.That(ResultsFolder.Inspect(outDir).Rejected, Is.Empty);
    }

    [Test]
    public void Metrics_with_a_non_finite_number_are_never_written()
    {
        var metrics = new JsonObject { ["train"] = new JsonObject { ["loss"] = new JsonArray(new JsonArray(50, double.NaN)) } };
        Assert.That(() => RunExecutor.EnsureFinite(metrics, ""), Throws.InvalidOperationException.With.Message.Contains("'train.loss[0][1]'"));
        Assert.That(() => RunExecutor.EnsureFinite(new JsonObject { ["a"] = double.PositiveInfinity }, ""), Throws.InvalidOperationException);
        Assert.That(() => RunExecutor.EnsureFinite(new JsonObject { ["a"] = 1.5, ["b"] = "x" }, ""), Throws.Nothing);
    }
}
