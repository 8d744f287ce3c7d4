using System.Text.Json.Nodes;
using POSLayerFreeze.Data;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Models;

namespace POSLayerFreeze.Tests.Experiments;

/// <summary>
/// The control plans end to end on the tiny world (tiny BERT, 2 layers): metrics.json records what was done, a
/// drop-top run's saved tagger says its depth and reloads to tag exactly as the run did, and the results read back.
/// </summary>
public class ControlRunTests : TinyTorchFixture
{
    private static (string RunDir, JsonObject Metrics, RunSpec Spec) Run(string config, bool saveModel)
    {
        var model = TinyWorld.Model;
        var data = ExperimentData.Load(model, TinyWorld.Profile, Treebank.FromFolder(TinyWorld.DataDir, "test"));
        var spec = new RunSpec(config, 42, TinyWorld.Profile, model.Name, Sweep.ModelIdentity(model), "cpu", Tf32: false)
        {
            SaveModel = saveModel,
            Dataset = data.Treebank.Identity,
        };
        var runDir = Path.Combine(TinyWorld.TempDir("control"), spec.RelativeDirectory);
        var metrics = RunMetricsFile.ToNode(RunExecutor.Execute(spec, data, runDir));
        Assert.That(RunExecutor.IsFinished(runDir, spec), Is.True, "the run reads back as finished");
        return (runDir, metrics, spec);
    }

    [Test]
    public void A_drop_top_run_records_its_depth_and_its_saved_tagger_reloads_and_tags_as_the_run_did()
    {
        var (runDir, metrics, _) = Run("drop-top-1", saveModel: true);
        Assert.That(metrics["control"]!.ToJsonString(), Is.EqualTo("""{"plan":"drop-top-1","pretrained_layers":2,"kept_layers":1}"""));
        Assert.That(metrics["model_config"]!["num_hidden_layers"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(metrics["frozen"]!.AsArray(), Is.Empty);
        Assert.That(metrics["trainable_parameters"]!.GetValue<long>(), Is.EqualTo(metrics["total_parameters"]!.GetValue<long>()));

        var saved = Path.Combine(runDir, RunExecutor.ModelDirectory);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(saved, TaggerCheckpoint.ConfigFile)))!;
        Assert.That(config["num_hidden_layers"]!.GetValue<int>(), Is.EqualTo(1), "the saved folder says the depth it was trained at");
        using var tagger = TaggerCheckpoint.Load(saved);
        Assert.That(tagger.Model.Config.NumLayers, Is.EqualTo(1));
        var test = Path.Combine(TinyWorld.DataDir, "en_ewt-ud-test.conllu");
        using var output = new StringWriter();
        var result = Tagging.Tag(tagger, test, test, TagInputFormat.Auto, output);
        Assert.That(result.Accuracy, Is.EqualTo(metrics["test"]!["accuracy"]!.GetValue<double>()));
        Assert.That(output.ToString(), Is.EqualTo(File.ReadAllText(Path.Combine(runDir, RunExecutor.PredictionsFile))));
    }

    [Test]
    public void A_random_init_run_records_rule_seed_and_depth_and_differs_from_the_baseline()
    {
        var (_, metrics, spec) = Run("random-init", saveModel: false);
        var control = metrics["control"]!;
        Assert.That((control["plan"]!.GetValue<string>(), control["kept_layers"]!.GetValue<int>()), Is.EqualTo(("random-init", 2)));
        Assert.That(control["init"]!["seed"]!.GetValue<long>(), Is.EqualTo(42));
        Assert.That(control["init"]!["initializer_range"]!.GetValue<double>(), Is.EqualTo(0.02));
        Assert.That(control["init"]!["rule"]!.GetValue<string>(), Does.Contain("_init_weights"));
        var (_, baseline, baselineSpec) = Run("baseline", saveModel: false);
        Assert.That(baseline.ContainsKey("control"), Is.False, "other plans write no control");
        Assert.That(spec.InputsHash, Is.Not.EqualTo(baselineSpec.InputsHash));
        Assert.That(metrics["train"]!["loss"]!.ToJsonString(), Is.Not.EqualTo(baseline["train"]!["loss"]!.ToJsonString()));
    }
}
