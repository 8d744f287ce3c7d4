using System.Globalization;
using System.Text.Json.Nodes;
using POSLayerFreeze.Data;
using POSLayerFreeze.Evaluation;
using POSLayerFreeze.Freezing;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace POSLayerFreeze.Experiments;

/// <summary>
/// One run, start to finish: seed, build the model, apply the freeze plan, train, tag dev and test, and write
/// <c>test.predictions.conllu</c>, <c>test.sentences.json</c> and — last, marking the run finished —
/// <c>metrics.json</c>, each atomically.
/// </summary>
public static class RunExecutor
{
    public const string MetricsFile = "metrics.json";
    public const string PredictionsFile = "test.predictions.conllu";
    public const string SentencesFile = "test.sentences.json";
    /// <summary>With <see cref="RunSpec.SaveModel"/>: the fine-tuned tagger as a Hugging Face folder.</summary>
    public const string ModelDirectory = "model";

    /// <summary>True when <paramref name="runDirectory"/> holds a valid finished run (<see cref="RunReader"/>) of exactly these
    /// inputs (and, when the model is to be saved, its saved model).</summary>
    public static bool IsFinished(string runDirectory, RunSpec spec)
    {
        if (!File.Exists(Path.Combine(runDirectory, MetricsFile))) return false;
        var run = RunReader.Read(runDirectory).Run;
        return run?.InputsHash == spec.InputsHash
            && (!spec.SaveModel || (run.Metrics["saved_model"] is not null && Directory.Exists(Path.Combine(runDirectory, ModelDirectory))));
    }

    public static JsonObject Execute(RunSpec spec, ExperimentData data, string runDirectory, TrainProgress? progress = null,
        CancellationToken cancel = default)
    {
        if (spec.Dataset != data.Treebank.Identity)
            throw new InvalidOperationException($"{spec.Config} seed {spec.Seed}: planned for other treebank files than those in {data.Treebank.Directory} (changed since?)");
        var device = TorchRuntime.ResolveDevice(spec.Device);
        if (device.type == DeviceType.CUDA) backends.cuda.matmul.allow_tf32 = spec.Tf32;
        TorchRuntime.Seed(spec.Seed);
        using var model = ModelCatalog.CreateClassifier(data.Model, Upos.Tags.Count, device);
        var plan = FreezePlan.Parse(spec.Config, model.Config.NumLayers);
        var trainable = plan.Apply(model);
        var trainableCount = trainable.Sum(p => p.numel());
        var totalCount = model.parameters().Sum(p => p.numel());

        // Process CPU time around the whole call (batch upload included): the cost measure that holds on shared cores,
        // where wall time depends on the neighbours. Reading it is a /proc read on the host, never a device sync.
        var padId = data.Tokenizer.PadId;
        // The one dev evaluation, after an epoch (eval_each_epoch) and after training: same windows, batches and code.
        TagMetrics EvaluateDev() => TagMetrics.Compute(data.Dev.Gold,
            Predictor.Predict(model, data.Dev.Windows, data.Dev.WordCounts, spec.Profile.EvalBatchSize, padId), Upos.Tags);
        var evaluations = new List<TrainLog.Evaluation>();
        var evaluationCpuSeconds = 0.0;
        EpochEnd? afterEpoch = spec.Profile.EvalEachEpoch
            ? (epochsDone, step) =>
            {
                // The last epoch's evaluation is the final one below (nothing changes the model in between).
                if (epochsDone == spec.Profile.Epochs) return;
                var before = ProcessCpuSeconds();
                evaluations.Add(new TrainLog.Evaluation(step, epochsDone, EvaluateDev().Accuracy));
                evaluationCpuSeconds += ProcessCpuSeconds() - before;
            }
            : null;
        var cpuBefore = ProcessCpuSeconds();
        TrainStats stats;
        try
        {
            stats = Trainer.Train(new TrainRequest(model, trainable, data.TrainWindows, spec.Profile, spec.Seed, padId)
            {
                CachedPrefix = spec.CachedPrefix, BucketOverheadTokens = spec.BucketOverheadTokens, LoggingSteps = spec.Profile.LoggingSteps,
                Progress = progress, AfterEpoch = afterEpoch,
            }, cancel);
        }
        catch (NonFiniteLossException e)
        {
            // Nothing is written: the run stays unfinished and the message says which run and step.
            throw new InvalidOperationException($"{spec.Config} seed {spec.Seed} (profile {spec.Profile.Name}, model {spec.Model}): {e.Message}", e);
        }
        // Training cost only: per-epoch evaluations are not training.
        var cpuSeconds = ProcessCpuSeconds() - cpuBefore - evaluationCpuSeconds;
        var dev = EvaluateDev();
        var testPred = Predictor.Predict(model, data.Test.Windows, data.Test.WordCounts, spec.Profile.EvalBatchSize, padId);
        var test = TagMetrics.Compute(data.Test.Gold, testPred, Upos.Tags);

        Directory.CreateDirectory(runDirectory);
        // After the last step dev accuracy is always measured: the log's last evaluation entry.
        evaluations.Add(new TrainLog.Evaluation(stats.Steps, spec.Profile.Epochs, dev.Accuracy));
        TrainLog.WriteTensorBoard(Path.Combine(runDirectory, TrainLog.TensorBoardDirectory), stats.Log, evaluations);
        var predictionsPath = Path.Combine(runDirectory, PredictionsFile);
        ConlluWriter.Write(predictionsPath, data.Test.Sentences, testPred);
        var perSentenceCorrect = data.Test.Gold.Select((gold, s) => gold.Where((tag, w) => tag == testPred[s][w]).Count()).ToArray();
        AtomicFile.WriteAllText(Path.Combine(runDirectory, SentencesFile), Invariant.ToJson(new JsonObject
        {
            ["words"] = new JsonArray(data.Test.WordCounts.Select(n => (JsonNode)n).ToArray()),
            ["correct"] = new JsonArray(perSentenceCorrect.Select(n => (JsonNode)n).ToArray()),
        }) + "\n");

        // Before metrics.json (which marks the run finished), so a finished run's listed model is complete.
        var savedModel = spec.SaveModel
            ? TaggerCheckpoint.Save(model, data.Model, data.MaxLength, Path.Combine(runDirectory, ModelDirectory))
            : null;

        var testJson = test.ToJson();
        var devJson = new JsonObject
        {
            ["accuracy"] = dev.Accuracy,
            ["words"] = dev.Words,
            ["correct"] = dev.Correct,
            ["macro_f1"] = dev.MacroF1,
        };
        var metrics = new JsonObject
        {
            ["config"] = spec.Config,
            ["seed"] = spec.Seed,
            ["profile"] = spec.Profile.ToJson(),
            ["model"] = spec.Model,
            ["treebank"] = data.TreebankJson(),
            ["tokenizer"] = data.Tokenizer.Settings.ToJson(),
            ["model_config"] = model.Config.ToJsonObject(),
            ["device"] = spec.Device,
            ["tf32"] = spec.Tf32,
            // Only with --cached-prefix (a different protocol: no dropout in the cached frozen prefix).
            ["cached_prefix"] = spec.CachedPrefix ? new JsonObject { ["cached_layers"] = stats.CachedLayers } : null,
            ["frozen"] = new JsonArray(plan.FrozenUnits.Select(u => (JsonNode)u).ToArray()),
            ["trainable_parameters"] = trainableCount,
            ["total_parameters"] = totalCount,
            ["train"] = new JsonObject
            {
                ["steps"] = stats.Steps,
                ["tokens"] = stats.RealTokens,
                ["padded_tokens"] = stats.PaddedTokens,
                ["seconds"] = Math.Round(stats.Seconds, 3),
                ["cpu_seconds"] = Math.Round(cpuSeconds, 3),
                ["tokens_per_second"] = Math.Round(stats.TokensPerSecond, 1),
                // The sentences and words actually trained on: a profile's train_sentences is an upper bound.
                ["sentences"] = data.Train.Sentences.Count,
                ["words"] = data.Train.Words,
                ["windows"] = data.Train.Windows.Sum(w => w.Length),
                ["micro_batches"] = spec.MicroBatchesName,
                ["loss"] = new JsonArray(stats.Loss.Select(l => (JsonNode)new JsonArray(l.Step, Math.Round(l.Loss, 6))).ToArray()),
            },
            ["log_history"] = TrainLog.LogHistory(stats.Log, evaluations),
            ["dev"] = devJson,
            ["test"] = testJson,
            ["saved_model"] = savedModel is null ? null : new JsonObject
            {
                ["directory"] = ModelDirectory,
                ["sha256"] = new JsonObject(savedModel.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            },
            // What a reader checks before believing the run (RunReader): the predictions are the ones scored.
            ["predictions"] = new JsonObject { ["file"] = PredictionsFile, ["sha256"] = FileFingerprint.Sha256(predictionsPath) },
            ["inputs"] = spec.ToJson(),
            ["inputs_hash"] = spec.InputsHash,
            ["provenance"] = RunProvenance.Current(device),
        };
        EnsureFinite(metrics, "");
        AtomicFile.WriteAllText(Path.Combine(runDirectory, MetricsFile), Invariant.ToJson(metrics) + "\n");
        return metrics;
    }

    /// <summary>metrics.json never holds NaN or ±Infinity (JSON cannot, and such a run is not a result): names the field.</summary>
    internal static void EnsureFinite(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, child) in o) EnsureFinite(child, path.Length == 0 ? key : $"{path}.{key}");
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++) EnsureFinite(a[i], $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]");
                break;
            case JsonValue v when (v.TryGetValue<double>(out var d) && !double.IsFinite(d)) || (v.TryGetValue<float>(out var f) && !float.IsFinite(f)):
                throw new InvalidOperationException($"metrics field '{path}' is NaN or infinite; the run is not written");
        }
    }

    /// <summary>CPU seconds this process has used on all its threads (libtorch's OpenMP workers included).</summary>
    private static double ProcessCpuSeconds()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }
}

/// <summary>Where and with what a result was produced: never part of the inputs hash; the fingerprint picks a golden's comparison rule.</summary>
public static class RunProvenance
{
    public static JsonObject Current(Device device) => new()
    {
        ["torchsharp"] = TorchRuntime.TorchSharpVersion,
        ["libtorch"] = TorchRuntime.LibTorchVersion(),
        ["backend"] = TorchRuntime.Backend,
        ["device"] = device.ToString(),
        // What a golden compares exactly on (Golden/TolerancePolicy): equal fingerprints, equal bits.
        ["fingerprint"] = PlatformFingerprint.Current(device).ToJson(),
        ["commit"] = BuildInfo.Commit,
        ["machine"] = Environment.MachineName,
        ["date_utc"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
    };
}
