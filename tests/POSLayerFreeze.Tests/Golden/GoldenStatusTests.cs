using System.Text.Json.Nodes;
using POSLayerFreeze.Golden;
using POSLayerFreeze.Tests.Cli;
using static POSLayerFreeze.Tests.Golden.GoldenStoreTests;

namespace POSLayerFreeze.Tests.Golden;

/// <summary>
/// Issue 12 §7: a corrupt or wrongly shaped golden file must be refused with one line naming the file (and the line
/// or the field), by <c>poslf golden status</c> as well as by every reader; before, a truncated file gave a
/// JsonReaderException without a path, a wrongly typed field an InvalidOperationException, and <c>golden status</c>
/// read neither verified nor received files and listed "nothing pending" for a folder that does not exist.
/// </summary>
public sealed class GoldenStatusTests
{
    private string root = "";

    [SetUp]
    public void CreateTempStore() => root = Path.Combine(Path.GetTempPath(), "poslf-golden-status-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void DeleteTempStore()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    private string Write(string name, string text, string profile = "smoke", string backend = "cpu")
    {
        var path = Path.Combine(root, profile, backend, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private static string Edited(Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(Sample().ToJson())!.AsObject();
        edit(json);
        return json.ToJsonString();
    }

    /// <summary>Wrongly shaped but valid JSON: the message names the part (each was an InvalidOperationException or
    /// an ArgumentOutOfRangeException without the file before).</summary>
    private static IEnumerable<TestCaseData> WrongShapes()
    {
        TestCaseData Case(string name, Action<JsonObject> edit, string problem) => new TestCaseData(Edited(edit), problem).SetName(name);
        yield return Case("metric value is a string", j => j["metrics"]!["test.accuracy"]!["value"] = "0.85",
            "Metric 'test.accuracy' 'value' must be a finite number, not a string");
        yield return Case("metric value out of double range", j => j["metrics"]!["test.accuracy"]!["value"] = JsonNode.Parse("1e400"),
            "Metric 'test.accuracy' 'value' must be a finite number, not 1e400");
        yield return Case("negative tolerance", j => j["metrics"]!["test.accuracy"]!["tolerance"] = -0.1,
            "Metric 'test.accuracy' 'tolerance' must be non-negative, not -0.1");
        yield return Case("metric is a number", j => j["metrics"]!["test.accuracy"] = 0.85,
            "Metric 'test.accuracy' must be a JSON object, not a number");
        yield return Case("metrics is an array", j => j["metrics"] = new JsonArray(),
            "Snapshot 'metrics' must be a JSON object, not an array");
        yield return Case("provenance is a string", j => j["provenance"] = "smoke",
            "Snapshot 'provenance' must be a JSON object, not a string");
        yield return Case("seeds is a string", j => j["provenance"]!["seeds"] = "42,43",
            "Provenance 'seeds' must be a JSON array, not a string");
        yield return Case("seed is a fraction", j => j["provenance"]!["seeds"] = new JsonArray(42, 1.5),
            "A seed must be a 64-bit integer, not 1.5");
        yield return Case("seed beyond 64 bits", j => j["provenance"]!["seeds"] = JsonNode.Parse("[42, 9223372036854775808]"),
            "A seed must be a 64-bit integer, not 9223372036854775808");
        yield return Case("model is a number", j => j["provenance"]!["model"] = 3,
            "Provenance 'model' must be a string, not a number");
        yield return Case("fingerprint threads is a string", j => j["provenance"]!["fingerprint"] = JsonNode.Parse(
                """{"backend":"cpu","device":"cpu","torchsharp":"0.107.0","libtorch":"2.10.0","hardware":"avx512","cpu_threads":"2"}"""),
            "Fingerprint 'cpu_threads' must be a 32-bit integer, not a string");
        yield return Case("fingerprint is an array", j => j["provenance"]!["fingerprint"] = new JsonArray(),
            "Fingerprint must be a JSON object, not an array");
        yield return Case("facts is an array", j => j["facts"] = new JsonArray(),
            "Snapshot 'facts' must be a JSON object, not an array");
    }

    [TestCaseSource(nameof(WrongShapes))]
    public void A_wrongly_shaped_snapshot_names_the_file_and_the_part(string json, string problem)
    {
        var path = Write("slpf-3.verified.json", json);
        Assert.That(() => Snapshot.Load(path), Throws.InstanceOf<InvalidDataException>().With.Message.EqualTo($"{path}: {problem}"));
    }

    [TestCase("", 1, "not valid JSON: The input does not contain any JSON tokens")]
    [TestCase("stale", 1, "not valid JSON: 's' is an invalid start of a value, byte 1 of the line")]
    [TestCase("[]", 0, "A golden snapshot must be a JSON object, not an array")]
    public void Text_that_is_no_snapshot_names_the_file_and_the_line(string text, int line, string problem)
    {
        var path = Write("slpf-3.received.json", text);
        var where = line > 0 ? $"{path}:{line}" : path;
        Assert.That(() => Snapshot.Load(path), Throws.InstanceOf<InvalidDataException>().With.Message.StartWith($"{where}: {problem}"));
    }

    [Test]
    public void A_truncated_snapshot_names_the_line_where_the_JSON_stops()
    {
        var json = Sample().ToJson();
        var path = Write("slpf-3.verified.json", json[..(json.Length / 2)]);
        var lines = json[..(json.Length / 2)].Split('\n').Length;
        var message = Assert.Throws<InvalidDataException>(() => Snapshot.Load(path))!.Message;
        Assert.That(message, Does.StartWith($"{path}:").And.Contain("not valid JSON"));
        Assert.That(message, Does.Not.Contain("LineNumber").And.Not.Contain("\n"), "one line, without System.Text.Json's own tail");
        // The reader reports the line it stopped on: the last, or the one after it when the cut falls at a line end.
        var reported = int.Parse(message[(path.Length + 1)..message.IndexOf(": ", path.Length, StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(reported, Is.InRange(lines - 1, lines + 1), message);
    }

    [Test]
    public void Validate_reads_verified_and_received_files_and_checks_their_folder()
    {
        Write("good.verified.json", Sample().ToJson());
        Write("good.received.json", Sample(accuracy: 0.9).ToJson());
        var truncated = Write("cut.verified.json", Sample().ToJson()[..40]);
        var shaped = Write("typed.received.json", Edited(j => j["metrics"]!["test.accuracy"]!["value"] = "x"));
        var elsewhere = Write("moved.verified.json", Sample(backend: "cuda").ToJson());
        Write("notes.json", "not a golden file, not read");

        var check = new GoldenStore(root).Validate();

        Assert.That((check.Verified, check.Received), Is.EqualTo((1, 1)));
        Assert.That(check.Invalid.Select(i => i.Path), Is.EqualTo((string[])[truncated, elsewhere, shaped]), "path order");
        Assert.That(check.Invalid[0].Problem, Does.StartWith($"{truncated}:").And.Contain(": not valid JSON: "));
        Assert.That(check.Invalid[1].Problem, Is.EqualTo($"{elsewhere}: provenance.backend is 'cuda', but the file lies under backend folder 'cpu'"));
        Assert.That(check.Invalid[2].Problem, Is.EqualTo($"{shaped}: Metric 'test.accuracy' 'value' must be a finite number, not a string"));
        var nowhere = new GoldenStore(Path.Combine(root, "nowhere")).Validate();
        Assert.That((nowhere.Verified, nowhere.Received, nowhere.Invalid.Count), Is.EqualTo((0, 0, 0)));
    }

    [Test]
    public void Approve_refuses_an_unreadable_snapshot_and_moves_nothing()
    {
        var store = new GoldenStore(root);
        var good = Write("a.received.json", Sample().ToJson());
        var bad = Write("b.received.json", "{");
        var e = Assert.Throws<InvalidDataException>(() => store.ApproveAll());
        Assert.That(e!.Message, Does.StartWith($"{bad}:"));
        Assert.That(File.Exists(good) && File.Exists(bad), Is.True, "a half-done approval would have moved a.received.json");
        Assert.That(File.Exists(store.VerifiedPath("smoke", "cpu", "a")), Is.False);
    }

    // Through the built CLI: what a user sees.

    [Test]
    public void Cli_status_on_a_corrupt_verified_file_is_one_line_naming_file_and_line()
    {
        Write("good.verified.json", Sample().ToJson());
        var json = Sample().ToJson();
        var cut = Write("slpf-3.verified.json", json[..json.IndexOf("\"metrics\"", StringComparison.Ordinal)] + "\"metrics\": {,");
        var line = json[..json.IndexOf("\"metrics\"", StringComparison.Ordinal)].Split('\n').Length;
        var result = Poslf.Run("golden", "status", "--golden-dir", root);
        Poslf.AssertError(result, 1, $"({cut}:{line})", "not valid JSON");
        Assert.That(result.Stdout, Does.Contain("1 verified and 0 received snapshot(s) read, 1 invalid."));
        Assert.That(result.Stderr + result.Stdout, Does.Not.Contain("JsonReaderException").And.Not.Contain("LineNumber"));
    }

    [Test]
    public void Cli_status_on_a_wrongly_shaped_received_file_names_file_and_field_and_lists_the_others()
    {
        var shaped = Write("slpf-3.received.json", Edited(j => j["provenance"]!["seeds"] = "42"));
        var other = Write("slpf-4.received.json", "[1]", backend: "cuda");
        var result = Poslf.Run("golden", "status", "--golden-dir", root);
        Poslf.AssertError(result, 1, "Provenance 'seeds' must be a JSON array, not a string", $"({shaped})", "1 more invalid golden file(s) listed above");
        Assert.That(result.Stdout, Does.Contain($"  also invalid: {other}: A golden snapshot must be a JSON object, not an array"));
    }

    [Test]
    public void Cli_status_on_a_valid_store_lists_pending_and_counts()
    {
        Write("slpf-3.verified.json", Sample().ToJson());
        Write("slpf-3.received.json", Sample(accuracy: 0.9).ToJson());
        var result = Poslf.Run("golden", "status", "--golden-dir", root);
        Assert.That(result.ExitCode, Is.Zero, result.Stderr);
        Assert.That(result.Stdout, Is.EqualTo(
            $"1 received snapshot(s) pending in {root}:\n  smoke/cpu/slpf-3 (differs from verified)\n1 verified and 1 received snapshot(s) read, 0 invalid.\n"));
        Assert.That(result.Stderr, Is.Empty);
    }

    [Test]
    public void Cli_a_golden_dir_that_does_not_exist_or_is_a_file_names_the_option()
    {
        Poslf.AssertError(Poslf.Run("golden", "status", "--golden-dir", root), 2, "--golden-dir", $"no such folder: {root}");
        Poslf.AssertError(Poslf.Run("approve", "--all", "--golden-dir", root), 2, "--golden-dir", root);
        Directory.CreateDirectory(root);
        var file = Path.Combine(root, "a-file");
        File.WriteAllText(file, "");
        Poslf.AssertError(Poslf.Run("golden", "status", "--golden-dir", file), 2, "--golden-dir", "is a file, not a folder");
        var fromEnvironment = Poslf.Run(new Dictionary<string, string> { [GoldenStore.EnvironmentVariable] = Path.Combine(root, "nope") }, ["golden", "status"]);
        Poslf.AssertError(fromEnvironment, 2, "$" + GoldenStore.EnvironmentVariable, Path.Combine(root, "nope"));
    }

    [Test]
    public void Cli_approve_without_experiments_or_all_is_a_usage_error()
    {
        Directory.CreateDirectory(root);
        Poslf.AssertError(Poslf.Run("approve", "--golden-dir", root), 2, "--all");
    }
}
