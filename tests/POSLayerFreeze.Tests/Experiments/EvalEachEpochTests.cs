using System.Text.Json.Nodes;
using POSLayerFreeze.Data;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Tests.Experiments;

/// <summary>
/// <c>eval_each_epoch</c>: dev accuracy after every epoch, into log_history and the TensorBoard log, without changing
/// anything the run computes (nor does logging_steps 1). Two oracles: the same run without it (bit-identical weights and
/// numbers), and a separate shorter run whose final evaluation sees the same model state as the per-epoch one.
/// </summary>
public class EvalEachEpochTests : TinyTorchFixture
{
    private static readonly Lazy<ExperimentData> Data = new(() =>
        ExperimentData.Load(TinyWorld.Model, TinyWorld.Profile, Treebank.FromFolder(TinyWorld.DataDir, "test")));

    private static RunSpec Spec(TrainingProfile profile, bool saveModel = false)
    {
        var model = TinyWorld.Model;
        return new RunSpec("slpf-0", 42, profile, model.Name, Sweep.ModelIdentity(model), "cpu", Tf32: false)
        {
            Dataset = Data.Value.Treebank.Identity,
            SaveModel = saveModel,
        };
    }

    private static JsonObject[] Evaluations(JsonObject metrics) =>
        metrics["log_history"]!.AsArray().Where(e => e!["eval_accuracy"] is not null).Select(e => e!.AsObject()).ToArray();

    private static JsonObject[] TrainEntries(JsonObject metrics) =>
        metrics["log_history"]!.AsArray().Where(e => e!["loss"] is not null).Select(e => e!.AsObject()).ToArray();

    [Test]
    public void Evaluating_after_every_epoch_leaves_weights_predictions_and_numbers_bit_identical()
    {
        var off = TinyWorld.Profile with { Name = "test-3-epochs", Epochs = 3 };
        // Also the finest loss log: reading the loss and gradient norm every step must not change the run either.
        var on = off with { EvalEachEpoch = true, LoggingSteps = 1 };
        var withoutDir = TinyWorld.TempDir("eval-off");
        var withDir = TinyWorld.TempDir("eval-on");
        var without = RunExecutor.Execute(Spec(off, saveModel: true), Data.Value, withoutDir);
        var with = RunExecutor.Execute(Spec(on, saveModel: true), Data.Value, withDir);

        var steps = with["train"]!["steps"]!.GetValue<int>();
        Assert.That(steps % 3, Is.EqualTo(0), "every epoch has the same number of steps (the test needs it)");
        Assert.Multiple(() =>
        {
            Assert.That(Invariant.ToJson(with["test"]), Is.EqualTo(Invariant.ToJson(without["test"])), "test metrics");
            Assert.That(Invariant.ToJson(with["dev"]), Is.EqualTo(Invariant.ToJson(without["dev"])), "dev metrics");
            Assert.That(Invariant.ToJson(with["saved_model"]), Is.EqualTo(Invariant.ToJson(without["saved_model"])),
                "the saved weights (model.safetensors sha256): the RNG stream and the optimizer were not touched");
            Assert.That(with["predictions"]!["sha256"]!.GetValue<string>(), Is.EqualTo(without["predictions"]!["sha256"]!.GetValue<string>()));
            Assert.That(TrainEntries(with).Select(e => e["step"]!.GetValue<int>()), Is.EqualTo(Enumerable.Range(1, steps)), "logging_steps 1: every step");
            // The default log reads once here (fewer steps than 50): its loss is the mean of the per-step losses, and
            // the last step's gradient norm and learning rate are the same numbers.
            var last = TrainEntries(without).Single();
            Assert.That(last["step"]!.GetValue<int>(), Is.EqualTo(steps));
            Assert.That(last["loss"]!.GetValue<double>(), Is.EqualTo(TrainEntries(with).Average(e => e["loss"]!.GetValue<double>())).Within(1e-5),
                "mean loss since the previous read");
            Assert.That((last["grad_norm"]!.GetValue<double>(), last["learning_rate"]!.GetValue<double>()),
                Is.EqualTo((TrainEntries(with)[^1]["grad_norm"]!.GetValue<double>(), TrainEntries(with)[^1]["learning_rate"]!.GetValue<double>())));
            Assert.That(with["inputs_hash"]!.GetValue<string>(), Is.Not.EqualTo(without["inputs_hash"]!.GetValue<string>()),
                "another protocol record, so a rerun with the flag does not reuse a run without per-epoch entries");
            Assert.That(without["profile"]!.AsObject().ContainsKey("eval_each_epoch"), Is.False,
                "off is not written, so runs made before the field existed keep their inputs hash");
            Assert.That(with["profile"]!["eval_each_epoch"]!.GetValue<bool>(), Is.True);
        });

        var evaluations = Evaluations(with);
        Assert.That(evaluations.Select(e => (e["epoch"]!.GetValue<double>(), e["step"]!.GetValue<int>())),
            Is.EqualTo(new[] { (1.0, steps / 3), (2.0, 2 * steps / 3), (3.0, steps) }), "one entry per epoch, at its last step");
        Assert.That(evaluations[^1]["eval_accuracy"]!.GetValue<double>(), Is.EqualTo(with["dev"]!["accuracy"]!.GetValue<double>()),
            "the last epoch's evaluation is the final one");
        Assert.That(evaluations.Select(e => e.Select(kv => kv.Key)), Has.All.EquivalentTo(new[] { "epoch", "eval_accuracy", "step" }),
            "Hugging Face's evaluation entry");
        Assert.That(Evaluations(without), Has.Length.EqualTo(1), "without the flag: the final evaluation only");
        Assert.That(TinyWorld.TempFiles(withDir), Is.Empty);
    }

    [Test]
    public void An_epoch_evaluation_equals_the_final_evaluation_of_a_run_that_stops_there()
    {
        // With warm-up longer than both runs the learning rate of step s is lr·s/warmup whatever the run's length, and
        // epoch e's batch order depends on (seed, e) only, so after epoch 1 both models hold the same weights: a correct
        // per-epoch evaluation (eval mode, all of dev) must report what the one-epoch run's final evaluation reports.
        var shortRun = TinyWorld.Profile with { Name = "test-warm-1", Epochs = 1, LearningRate = 0.5, WarmupSteps = 1000 };
        var longRun = shortRun with { Name = "test-warm-2", Epochs = 2, EvalEachEpoch = true };
        var one = RunExecutor.Execute(Spec(shortRun), Data.Value, TinyWorld.TempDir("eval-one"));
        var two = RunExecutor.Execute(Spec(longRun), Data.Value, TinyWorld.TempDir("eval-two"));

        var first = Evaluations(two)[0];
        Assert.Multiple(() =>
        {
            Assert.That(first["step"]!.GetValue<int>(), Is.EqualTo(one["train"]!["steps"]!.GetValue<int>()));
            Assert.That(first["eval_accuracy"]!.GetValue<double>(), Is.EqualTo(one["dev"]!["accuracy"]!.GetValue<double>()),
                "dev accuracy after epoch 1, measured inside the longer run, equals the shorter run's final one");
            Assert.That(two["dev"]!["accuracy"]!.GetValue<double>(), Is.Not.EqualTo(first["eval_accuracy"]!.GetValue<double>()),
                "the second epoch changed the model (else the comparison could not tell the epochs apart)");
        });
    }

    [Test]
    public void Per_epoch_evaluation_time_is_not_training_time()
    {
        var profile = TinyWorld.Profile with { Name = "test-2-epochs", Epochs = 2, EvalEachEpoch = true };
        var calls = new List<(int Epochs, int Step, bool Training)>();
        var data = Data.Value;
        TorchRuntime.Seed(42);
        using var model = POSLayerFreeze.Models.ModelCatalog.CreateClassifier(data.Model, Upos.Count);
        var trainable = POSLayerFreeze.Freezing.FreezePlan.Parse("baseline", model.Config.NumLayers).Apply(model);
        var wall = System.Diagnostics.Stopwatch.StartNew();
        var stats = Trainer.Train(new TrainRequest(model, trainable, data.TrainWindows, profile, 42, data.Tokenizer.PadId)
        {
            AfterEpoch = (epochs, step) =>
            {
                calls.Add((epochs, step, model.training));
                model.eval();   // what an evaluation leaves behind: the trainer must put the model back into training mode
                Thread.Sleep(300);
            },
        });
        wall.Stop();
        Assert.Multiple(() =>
        {
            Assert.That(calls, Is.EqualTo(new[] { (1, stats.Steps / 2, true), (2, stats.Steps, true) }));
            Assert.That(model.training, Is.True, "training mode restored after the callback");
            Assert.That(wall.Elapsed.TotalSeconds - stats.Seconds, Is.GreaterThanOrEqualTo(0.59),
                "the 2 × 300 ms spent in the callback are not in the training time");
        });
    }
}
