using System.Text;
using System.Text.Json.Nodes;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Reporting;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Tests.Experiments;

/// <summary>
/// Issue 24: a results folder written before metrics.json had a type (main at 7c1e620, kept in
/// Fixtures/results-7c1e620: baseline and all, seed 42, on the tiny world) is read, resumed without training and
/// reported by this code; and issue 29 §5: a metrics.json re-serialised with the same values is the same run.
/// </summary>
/// <remarks>
/// The fixture resumes only while its inputs are today's: the tiny world (model files, vocabulary, the first EWT
/// sentences), <see cref="TinyWorld.Profile"/> and <see cref="RunSpec.ProtocolRevision"/>. A change to any of those
/// is a new experiment by design; then make the fixture again with the last commit before it (a sweep of baseline
/// and all, seed 42, on the tiny world into a fresh folder, keeping metrics.json, test.sentences.json, the
/// predictions and summary.json), never with the code under test.
/// </remarks>
public class ResultsFromMainTests : TinyTorchFixture
{
    private static string Fixture => Path.Combine(AppContext.BaseDirectory, "Fixtures", "results-7c1e620");

    private static readonly string[] Runs = [Path.Combine("all", "seed-42"), Path.Combine("baseline", "seed-42")];

    private static string CopyOfFixture()
    {
        var dir = TinyWorld.TempDir("from-main");
        foreach (var file in Directory.EnumerateFiles(Fixture, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(dir, Path.GetRelativePath(Fixture, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        File.Delete(Path.Combine(dir, Summary.JsonFile));   // the report is what the test makes
        return dir;
    }

    private static SweepTests.RecordingObserver Resume(string dir)
    {
        var request = new SweepRequest(["baseline", "all"], [42], TinyWorld.Profile, TinyWorld.ModelDir, "cpu", false, dir, TinyWorld.DataDir);
        var (model, specs) = Sweep.Plan(request);
        var observer = new SweepTests.RecordingObserver();
        Sweep.Run(request, specs, model, observer, CancellationToken.None);
        return observer;
    }

    private static void AssertResumedAndReported(string dir, string because)
    {
        var contents = ResultsFolder.Inspect(dir);
        Assert.That(contents.Rejected, Is.Empty, because);
        Assert.That(contents.Runs.Select(r => r.Config), Is.EquivalentTo(new[] { "baseline", "all" }), because);
        var resumed = Resume(dir);
        Assert.That(resumed.Started, Is.Empty, $"{because}: nothing is trained again");
        Assert.That(resumed.Finished.Select(s => s.Config), Is.EquivalentTo(new[] { "baseline", "all" }), because);
        Summary.Write(dir);
        var versionLine = $"  \"schema_version\": {SweepSummary.CurrentSchemaVersion},\n";
        var written = File.ReadAllText(Path.Combine(dir, Summary.JsonFile));
        Assert.That(written, Does.Contain(versionLine), because);
        Assert.That(written.Replace(versionLine, "", StringComparison.Ordinal), Is.EqualTo(File.ReadAllText(Path.Combine(Fixture, Summary.JsonFile))),
            $"{because}: the report is main's report of these runs (plus summary.json's schema_version)");
    }

    [Test]
    public void A_folder_written_by_main_is_read_as_schema_1_resumed_without_training_and_reported_as_main_did()
    {
        var dir = CopyOfFixture();
        var before = Runs.ToDictionary(r => r, r => File.ReadAllBytes(Path.Combine(dir, r, RunExecutor.MetricsFile)));
        AssertResumedAndReported(dir, "main's folder");
        foreach (var run in Runs)
            Assert.That(File.ReadAllBytes(Path.Combine(dir, run, RunExecutor.MetricsFile)), Is.EqualTo(before[run]), $"{run}: left as it was");
        Assert.That(ResultsFolder.Collect(dir).Select(r => r.Metrics.SchemaVersion), Has.All.EqualTo(RunMetrics.CurrentSchemaVersion), "upgraded on read");
    }

    [Test]
    public void Main_metrics_written_again_are_byte_for_byte_main_plus_schema_version()
    {
        foreach (var run in ResultsFolder.Collect(Fixture))
        {
            var main = File.ReadAllText(Path.Combine(run.Directory, RunExecutor.MetricsFile));
            var written = RunMetricsFile.ToJson(run.Metrics);
            var versionLine = $"  \"schema_version\": {RunMetrics.CurrentSchemaVersion},\n";
            Assert.That(written, Does.Contain(versionLine), run.Config);
            Assert.That(written.Replace(versionLine, "", StringComparison.Ordinal), Is.EqualTo(main), $"{run.Config}: every field, key order and number spelling kept");
            Assert.That(RunMetricsFile.InputsHash(run.Metrics.Inputs), Is.EqualTo(run.InputsHash), $"{run.Config}: the resume key is unchanged");
        }
    }

    [Test]
    public void Main_summary_json_read_and_written_again_is_byte_for_byte_main_plus_schema_version()
    {
        var path = Path.Combine(Fixture, Summary.JsonFile);
        var summary = SweepSummaryFile.Read(path);
        Assert.That(summary.SchemaVersion, Is.EqualTo(SweepSummary.CurrentSchemaVersion), "upgraded on read");
        Assert.That(summary.Configs.Select(c => c.Config), Is.EqualTo(new[] { "baseline", "all" }));
        var versionLine = $"  \"schema_version\": {SweepSummary.CurrentSchemaVersion},\n";
        var written = SweepSummaryFile.ToJson(summary);
        Assert.That(written, Does.Contain(versionLine));
        Assert.That(written.Replace(versionLine, "", StringComparison.Ordinal), Is.EqualTo(File.ReadAllText(path)));
    }

    [Test]
    public void A_metrics_json_respelled_as_Python_json_dump_writes_it_is_still_the_same_finished_run()
    {
        var dir = CopyOfFixture();
        foreach (var run in Runs)
        {
            var path = Path.Combine(dir, run, RunExecutor.MetricsFile);
            var respelled = PythonDump(JsonNode.Parse(File.ReadAllText(path)));
            Assert.That(respelled, Does.Contain("1e-08").And.Not.Contain("1E-08"), "the profile's eps is respelled");
            File.WriteAllText(path, respelled);
        }
        AssertResumedAndReported(dir, "respelled metrics.json");
    }

    [Test]
    public void Migrate_writes_main_folder_in_the_current_schema_once_and_it_still_resumes()
    {
        var dir = CopyOfFixture();
        File.Copy(Path.Combine(Fixture, Summary.JsonFile), Path.Combine(dir, Summary.JsonFile));
        var cli = Cli.Poslf.Run("migrate", dir);
        Assert.That(cli.ExitCode, Is.Zero, cli.Stderr);
        Assert.That(cli.Stdout, Does.Contain("2 run(s) rewritten, 0 already current").And.Contain(Summary.JsonFile + " rewritten"));
        foreach (var run in Runs)
            Assert.That(File.ReadAllText(Path.Combine(dir, run, RunExecutor.MetricsFile)), Does.Contain("\"schema_version\": 1,"), run);
        Assert.That(File.ReadAllText(Path.Combine(dir, Summary.JsonFile)), Does.Contain("\"schema_version\": 1,"));

        var again = ResultsMigration.Migrate(dir);
        Assert.That((again.RunsRewritten, again.RunsCurrent, again.SummaryRewritten), Is.EqualTo((0, 2, false)), "a second migration has nothing to do");
        var resumed = Resume(dir);
        Assert.That(resumed.Started, Is.Empty, "migrated runs keep their inputs hash: nothing is trained again");
    }

    [Test]
    public void A_schema_newer_than_this_code_is_refused_naming_the_field()
    {
        var dir = CopyOfFixture();
        var path = Path.Combine(dir, Runs[0], RunExecutor.MetricsFile);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        json["schema_version"] = RunMetrics.CurrentSchemaVersion + 1;
        File.WriteAllText(path, json.ToJsonString());
        var rejected = ResultsFolder.Inspect(dir).Rejected;
        Assert.That(rejected, Has.Count.EqualTo(1));
        Assert.That(rejected[0].Problem, Does.Contain("schema_version").And.Contain("newer"));
    }

    /// <summary>
    /// What <c>json.dump(json.load(f), out)</c> writes: keys in file order (reversed here, to move them too), ", " and
    /// ": " separators on one line, non-ASCII as \u escapes, and floats as Python's repr (lower-case exponent,
    /// <c>1e-08</c>, where .NET writes <c>1E-08</c>).
    /// </summary>
    private static string PythonDump(JsonNode? node)
    {
        var text = new StringBuilder();
        void Write(JsonNode? n)
        {
            switch (n)
            {
                case null:
                    text.Append("null");
                    break;
                case JsonObject o:
                    text.Append('{');
                    var first = true;
                    foreach (var (key, value) in o.Reverse())
                    {
                        if (!first) text.Append(", ");
                        first = false;
                        text.Append(Ascii(key)).Append(": ");
                        Write(value);
                    }
                    text.Append('}');
                    break;
                case JsonArray a:
                    text.Append('[');
                    for (var i = 0; i < a.Count; i++)
                    {
                        if (i > 0) text.Append(", ");
                        Write(a[i]);
                    }
                    text.Append(']');
                    break;
                case JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String:
                    text.Append(Ascii(v.GetValue<string>()));
                    break;
                default:
                    text.Append(n.ToJsonString().Replace('E', 'e'));
                    break;
            }
        }
        Write(node);
        return text.ToString();
    }

    private static string Ascii(string s)
    {
        var text = new StringBuilder("\"");
        foreach (var c in s)
            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                _ when c < 0x20 || c > 0x7e => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        return text.Append('"').ToString();
    }
}
