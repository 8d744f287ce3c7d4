using System.Text.Json.Nodes;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Reporting;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tests.Cli;
using POSLayerFreeze.Tests.Experiments;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Tests.Training;

/// <summary>Profiles as data: files with the saved fields, overrides, one-line errors naming field and file, and a
/// changed protocol being another experiment (inputs hash, results folder name, summary).</summary>
public class ProfileFileTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDir() => _dir = TinyWorld.TempDir("profiles");

    private string Write(string text, string name = "profile.json")
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string FileText(TrainingProfile profile) => Invariant.ToJson(ProfileFile.ToFileJson(profile)) + "\n";

    [Test]
    public void What_profile_show_prints_is_a_profile_file_of_the_same_protocol()
    {
        foreach (var builtIn in new[] { TrainingProfile.Smoke, TrainingProfile.Full })
        {
            var loaded = ProfileFile.Load(Write(FileText(builtIn)));
            Assert.That(loaded, Is.SameAs(builtIn), $"{builtIn.Name}: a file equal to a built-in is that built-in");
        }
        var mine = TrainingProfile.Smoke with { Name = "lines-lr1e-4", LearningRate = 1e-4, Epochs = 3, MaxGradNorm = 1.0, DefaultSeeds = [1, 2] };
        var parsed = ProfileFile.Load(Write(FileText(mine)));
        Assert.That(Invariant.ToJson(ProfileFile.ToFileJson(parsed)), Is.EqualTo(Invariant.ToJson(ProfileFile.ToFileJson(mine))));
    }

    [Test]
    public void Fields_left_out_take_Hugging_Face_defaults()
    {
        var profile = ProfileFile.Load(Write("""{"name": "mini", "version": 1, "epochs": 2, "batch_size": 16, "learning_rate": 3e-5}"""));
        Assert.Multiple(() =>
        {
            Assert.That((profile.Name, profile.Epochs, profile.BatchSize, profile.LearningRate), Is.EqualTo(("mini", 2, 16, 3e-5)));
            Assert.That((profile.Beta1, profile.Beta2, profile.Epsilon, profile.WeightDecay), Is.EqualTo((0.9, 0.999, 1e-8, 0.01)));
            Assert.That((profile.TrainSentences, profile.MaxLength, profile.MaxGradNorm), Is.EqualTo(((int?)null, (int?)null, (double?)null)));
            Assert.That(profile.BatchOrder, Is.EqualTo(BatchOrder.Random));
        });
    }

    [TestCase("""{"name": "x", "version": 1, "epochs": 1, "batch_size": 8, "learning_rate": 1e-4, "lr": 1}""", "unknown field 'lr'", 1)]
    [TestCase("{\n  \"name\": \"x\",\n  \"version\": 1,\n  \"epochs\": 1,\n  \"batch_size\": 8,\n  \"learning_rate\": \"fast\"\n}", "field 'learning_rate' must be a number, found \"fast\"", 6)]
    [TestCase("{\n  \"name\": \"x\",\n  \"version\": 1,\n  \"epochs\": 0,\n  \"batch_size\": 8,\n  \"learning_rate\": 1e-4\n}", "field 'epochs' must be ≥ 1, found 0", 4)]
    [TestCase("""{"name": "x", "version": 1, "epochs": 1, "batch_size": 8, "learning_rate": -1}""", "field 'learning_rate' must be a finite number > 0", 1)]
    [TestCase("""{"name": "x", "version": 1, "epochs": 1, "batch_size": 8, "learning_rate": 1e-4, "warmup_ratio": 2}""", "field 'warmup_ratio' must be a number in [0, 1]", 1)]
    [TestCase("""{"name": "x", "version": 1, "epochs": 1, "batch_size": 8, "learning_rate": 1e-4, "betas": [0.9]}""", "field 'betas' must be two numbers", 1)]
    [TestCase("""{"name": "x", "version": 1, "epochs": 1, "batch_size": 8, "learning_rate": 1e-4, "batch_order": "sorted"}""", "field 'batch_order' must be \"random\" or \"group-by-length\"", 1)]
    [TestCase("""{"name": "x", "version": 1, "epochs": 1, "batch_size": 2.5, "learning_rate": 1e-4}""", "field 'batch_size' must be an integer", 1)]
    [TestCase("""{"name": "x", "version": 1, "epochs": 1, "batch_size": 8, "learning_rate": 1e-4, "schedule": "cosine"}""", "field 'schedule' must be \"linear\"", 1)]
    [TestCase("""{"name": "x", "version": 1, "epochs": 1, "batch_size": 8}""", "field 'learning_rate' is missing", 1)]
    [TestCase("{\n  \"name\": \"x\",\n  \"version\": 1,,\n}", "not valid JSON", 3)]
    [TestCase("""{"name": "smoke", "version": 2, "epochs": 1, "batch_size": 32, "learning_rate": 1e-4}""", "field 'name' is the built-in profile 'smoke'", 1)]
    [TestCase("""{"name": "x", "version": 1, "epochs": 1, "batch_size": 8, "learning_rate": 1e-4, "eval_each_epoch": "yes"}""", "field 'eval_each_epoch' must be true or false, found \"yes\"", 1)]
    [TestCase("{\n  \"name\": \"smoke\", \"version\": 2, \"epochs\": 1, \"batch_size\": 32, \"learning_rate\": 5e-4,\n  \"train_sentences\": 1024, \"max_length\": 128, \"default_seeds\": [42], \"eval_each_epoch\": true\n}", "field 'name' is the built-in profile 'smoke'", 2)]
    public void A_malformed_file_is_one_error_line_naming_the_field_the_file_and_the_line(string text, string expected, int line)
    {
        var path = Write(text);
        var error = Assert.Throws<InvalidDataException>(() => ProfileFile.Load(path))!;
        Assert.That(error.Message, Does.StartWith($"{path}:{line}: ").And.Contain(expected).And.Not.Contain("\n"));
    }

    [Test]
    public void Overrides_replace_single_fields_and_rename_the_protocol()
    {
        var changed = ProfileFile.Apply(TrainingProfile.Smoke, new ProfileOverrides(LearningRate: 1e-4, Epochs: 2, BatchOrder: "group-by-length"));
        Assert.Multiple(() =>
        {
            Assert.That((changed.LearningRate, changed.Epochs, changed.BatchOrder), Is.EqualTo((1e-4, 2, BatchOrder.GroupByLength)));
            Assert.That(changed.Name, Is.EqualTo("smoke+lr=0.0001+epochs=2+order=group-by-length"));
            Assert.That(changed.Version, Is.EqualTo(TrainingProfile.Smoke.Version));
            Assert.That(ProfileFile.Apply(TrainingProfile.Smoke, new ProfileOverrides(LearningRate: 5e-4)), Is.SameAs(TrainingProfile.Smoke),
                "an override equal to the profile's value changes nothing");
            Assert.That(() => ProfileFile.Apply(TrainingProfile.Smoke, new ProfileOverrides(LearningRate: 0)),
                Throws.TypeOf<InvalidFieldException>().With.Property(nameof(InvalidFieldException.Fields)).EqualTo(new[] { "learning_rate" }));
            Assert.That(() => ProfileFile.Apply(TrainingProfile.Smoke, new ProfileOverrides(WarmupRatio: 1.5)),
                Throws.TypeOf<InvalidFieldException>().With.Property(nameof(InvalidFieldException.Fields)).EqualTo(new[] { "warmup_ratio" }));
            Assert.That(() => ProfileFile.Apply(TrainingProfile.Smoke, new ProfileOverrides(MaxLength: 2)),
                Throws.TypeOf<InvalidFieldException>().With.Property(nameof(InvalidFieldException.Fields)).EqualTo(new[] { "max_length" }));
        });
    }

    [Test]
    public void Eval_each_epoch_is_a_profile_field_off_in_the_built_ins_and_absent_from_their_saved_json()
    {
        var on = ProfileFile.Apply(TrainingProfile.Smoke, new ProfileOverrides(EvalEachEpoch: true));
        Assert.Multiple(() =>
        {
            Assert.That((TrainingProfile.Smoke.EvalEachEpoch, TrainingProfile.Full.EvalEachEpoch), Is.EqualTo((false, false)));
            Assert.That(TrainingProfile.Smoke.ToJson().ContainsKey("eval_each_epoch"), Is.False,
                "off is not saved: the built-ins' saved profile and inputs hash stay as before the field existed");
            Assert.That(ProfileFile.ToFileJson(TrainingProfile.Smoke)["eval_each_epoch"]!.GetValue<bool>(), Is.False, "profile show lists it");
            Assert.That((on.Name, on.EvalEachEpoch), Is.EqualTo(("smoke+eval=epoch", true)));
            Assert.That(on.ToJson()["eval_each_epoch"]!.GetValue<bool>(), Is.True);
            Assert.That(ProfileFile.Apply(TrainingProfile.Smoke, new ProfileOverrides(EvalEachEpoch: false)), Is.SameAs(TrainingProfile.Smoke));
            var loaded = ProfileFile.Load(Write(FileText(on with { Name = "mine" })));
            Assert.That(loaded.EvalEachEpoch, Is.True, "read back from a file");
            Assert.That(ProfileFile.Load(Write("""{"name": "mini", "version": 1, "epochs": 2, "batch_size": 16, "learning_rate": 3e-5}""")).EvalEachEpoch,
                Is.False, "left out: off");
            Assert.That(SummaryMarkdown.ProtocolLine(on.ToJson()), Does.Contain(", dev accuracy after every epoch"));
            Assert.That(SummaryMarkdown.ProtocolLine(TrainingProfile.Smoke.ToJson()), Does.Contain(", dev accuracy after training, loss logged every 50 steps"));
        });
        var (code, stdout, stderr) = Poslf.Run("profile", "show", "smoke", "--eval-each-epoch");
        Assert.That(code, Is.EqualTo(0), stderr);
        var shown = ProfileFile.Load(Write(stdout, "shown.json"));
        Assert.That((shown.Name, shown.EvalEachEpoch), Is.EqualTo(("smoke+eval=epoch", true)));
    }

    [Test]
    public void Logging_steps_is_a_profile_field_at_50_in_the_built_ins_and_absent_from_their_saved_json()
    {
        var fine = ProfileFile.Apply(TrainingProfile.Full, new ProfileOverrides(LoggingSteps: 10));
        Assert.Multiple(() =>
        {
            Assert.That((TrainingProfile.Smoke.LoggingSteps, TrainingProfile.Full.LoggingSteps), Is.EqualTo((50, 50)));
            Assert.That(TrainingProfile.Full.ToJson().ContainsKey("logging_steps"), Is.False, "the default is not saved: inputs hashes stay");
            Assert.That(ProfileFile.ToFileJson(TrainingProfile.Full)["logging_steps"]!.GetValue<int>(), Is.EqualTo(50), "profile show lists it");
            Assert.That((fine.Name, fine.LoggingSteps, fine.ToJson()["logging_steps"]!.GetValue<int>()), Is.EqualTo(("full+log=10", 10, 10)));
            Assert.That(ProfileFile.Load(Write(FileText(fine with { Name = "mine" }))).LoggingSteps, Is.EqualTo(10), "read back from a file");
            Assert.That(SummaryMarkdown.ProtocolLine(fine.ToJson()), Does.EndWith(", loss logged every 10 steps"));
            Assert.That(() => ProfileFile.Apply(TrainingProfile.Smoke, new ProfileOverrides(LoggingSteps: 0)),
                Throws.TypeOf<InvalidFieldException>().With.Property(nameof(InvalidFieldException.Fields)).EqualTo(new[] { "logging_steps" }));
        });
        var path = Write("""{"name": "x", "version": 1, "epochs": 1, "batch_size": 8, "learning_rate": 1e-4, "logging_steps": 0}""");
        Assert.That(() => ProfileFile.Load(path), Throws.TypeOf<InvalidDataException>().With.Message.EqualTo($"{path}:1: field 'logging_steps' must be ≥ 1, found 0"));
    }

    [Test]
    public void A_profile_file_with_another_learning_rate_is_another_experiment_reused_on_rerun_and_shown_in_summary()
    {
        var outDir = TinyWorld.TempDir("profile-sweep");
        var file = Write(FileText(TinyWorld.Profile with { Name = "tiny-lr", LearningRate = 2e-3 }), "tiny-lr.json");
        var profile = ProfileFile.Load(file);
        SweepRequest Request(TrainingProfile p) => new(["all"], [42], p, TinyWorld.ModelDir, "cpu", false, outDir, TinyWorld.DataDir);
        var (model, baseSpecs) = Sweep.Plan(Request(TinyWorld.Profile));
        var specs = Sweep.Plan(Request(profile), model);
        Assert.That(specs[0].InputsHash, Is.Not.EqualTo(baseSpecs[0].InputsHash));
        Assert.That(specs[0].ToJson()["profile"]!["learning_rate"]!.GetValue<double>(), Is.EqualTo(2e-3));

        var observer = new CountingObserver();
        Sweep.Run(Request(profile), specs, model, observer, CancellationToken.None);
        Assert.That(observer.Started, Is.EqualTo(1));
        var again = new CountingObserver();
        Sweep.Run(Request(ProfileFile.Load(file)), Sweep.Plan(Request(ProfileFile.Load(file)), model), model, again, CancellationToken.None);
        Assert.That((again.Started, again.Reused), Is.EqualTo((0, 1)), "the same file again: the finished run is reused");

        Summary.Write(outDir);
        var md = File.ReadAllText(Path.Combine(outDir, Summary.MarkdownFile));
        Assert.That(md, Does.Contain("Profile `tiny-lr`").And.Contain("lr 0.002"));
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "all", "seed-42", RunExecutor.MetricsFile)))!;
        Assert.That(metrics["profile"]!["learning_rate"]!.GetValue<double>(), Is.EqualTo(2e-3));
    }

    private sealed class CountingObserver : ISweepObserver
    {
        public int Started { get; private set; }
        public int Reused { get; private set; }
        public void Planned(IReadOnlyList<RunSpec> todo, IReadOnlyList<RunSpec> alreadyFinished) => Reused = alreadyFinished.Count;
        public void RunStarted(RunSpec spec) => Started++;
        public void Progress(RunSpec spec, int stepsDone, int totalSteps, double loss) { }
        public void RunFinished(RunSpec spec, RunMetrics metrics) { }
    }

    [Test]
    public void Cli_profile_show_prints_a_loadable_profile_and_a_malformed_file_is_one_error_line()
    {
        var (code, stdout, stderr) = Poslf.Run("profile", "show", "smoke", "--lr", "0.0001");
        Assert.That(code, Is.EqualTo(0), stderr);
        var shown = ProfileFile.Load(Write(stdout, "shown.json"));
        Assert.That((shown.Name, shown.LearningRate, shown.TrainSentences), Is.EqualTo(("smoke+lr=0.0001", 1e-4, (int?)1024)));

        var bad = Write("{\n  \"name\": \"x\",\n  \"version\": 1,\n  \"epochs\": \"three\",\n  \"batch_size\": 8,\n  \"learning_rate\": 1e-4\n}", "bad.json");
        var run = Poslf.Run("run", "--profile", bad, "--configs", "all", "--out", TinyWorld.TempDir("cli-bad-profile"), "--data-dir", TinyWorld.DataDir);
        Assert.That(run.ExitCode, Is.EqualTo(1), run.Stdout + run.Stderr);
        Assert.That(run.Stderr.Trim(), Is.EqualTo($"poslf: error: field 'epochs' must be an integer, found \"three\" ({bad}:4)"));

        var missing = Poslf.Run("profile", "show", "nonesuch");
        Assert.That(missing.ExitCode, Is.EqualTo(2));
        Assert.That(missing.Stderr.Trim(), Does.StartWith("poslf: error: 'nonesuch' is neither a built-in profile").And.EndWith("(--profile)"));
    }
}
