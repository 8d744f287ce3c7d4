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
            && (!spec.SaveModel || (run.Metrics.SavedModel is not null && Directory.Exists(Path.Combine(runDirectory, ModelDirectory))));
    }

    public static RunMetrics Execute(RunSpec spec, ExperimentData data, string runDirectory, TrainProgress? progress = null,
        CancellationToken cancel = default)
    {
        if (spec.Dataset != data.Treebank.Identity)
            throw new InvalidOperationException($"{spec.Config} seed {spec.Seed}: planned for other treebank files than those in {data.Treebank.Directory} (changed since?)");
        var device = TorchRuntime.ResolveDevice(spec.Device);
        if (device.type == DeviceType.CUDA) backends.cuda.matmul.allow_tf32 = spec.Tf32;
        if (spec.Profile.Precision == Precision.Bf16) Bf16Support.Require(device);
        TorchRuntime.Seed(spec.Seed);
        var plan = FreezePlan.Parse(spec.Config, data.Model.Config.NumLayers);
        using var model = plan.Prepare(ModelCatalog.CreateClassifier(data.Model, Upos.Tags.Count, device), spec.Seed);
        model.Precision = spec.Profile.Precision;
        var trainable = plan.Apply(model);
        var trainableCount = trainable.Sum(p => p.numel());
        // llrd-ξ runs the experiment's profile with layer_decay ξ; inputs and metrics keep the shared profile (the
        // config name carries ξ) and metrics.schedule records the rates used.
        if (plan.LayerDecay is not null && spec.Profile.LayerDecay != 1.0)
            throw new ArgumentException($"{spec.Config}: the profile already sets layer_decay {Invariant.Format(spec.Profile.LayerDecay)}; use one or the other");
        var trainingProfile = plan.LayerDecay is { } layerDecay ? spec.Profile with { LayerDecay = layerDecay } : spec.Profile;
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
            stats = Trainer.Train(new TrainRequest(model, trainable, data.TrainWindows, trainingProfile, spec.Seed, padId)
            {
                Schedule = plan.Schedule, CachedPrefix = spec.CachedPrefix, BucketOverheadTokens = spec.BucketOverheadTokens, LoggingSteps = spec.Profile.LoggingSteps,
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

        var metrics = new RunMetrics
        {
            Config = spec.Config,
            Seed = spec.Seed,
            Profile = spec.Profile.ToJson(),
            Model = spec.Model,
            Treebank = data.TreebankRecord(),
            Tokenizer = TokenizerFiles.Record(data.Model),
            ModelConfig = model.Config.ToJsonObject(),
            Device = spec.Device,
            Tf32 = spec.Tf32,
            CachedPrefix = spec.CachedPrefix ? new CachedPrefixStats(stats.CachedLayers) : null,
            Frozen = plan.FrozenUnits.ToArray(),
            Control = plan.Control?.Record(spec.Seed, model.Config.InitializerRange),
            // A schedule's count varies: its mean over the steps, the curve itself in schedule.changes.
            TrainableParameters = stats.Schedule is { Schedule: not null } trace ? (long)Math.Round(trace.MeanTrainableParameters) : trainableCount,
            TotalParameters = totalCount,
            Train = new TrainMetrics
            {
                Steps = stats.Steps,
                Tokens = stats.RealTokens,
                PaddedTokens = stats.PaddedTokens,
                Seconds = Math.Round(stats.Seconds, 3),
                CpuSeconds = Math.Round(cpuSeconds, 3),
                TokensPerSecond = Math.Round(stats.TokensPerSecond, 1),
                Sentences = data.Train.Sentences.Count,
                Words = data.Train.Words,
                Windows = data.Train.Windows.Sum(w => w.Length),
                MicroBatches = spec.MicroBatchesName,
                Loss = stats.Loss.Select(l => new double[] { l.Step, Math.Round(l.Loss, 6) }).ToArray(),
            },
            LogHistory = TrainLog.LogHistory(stats.Log, evaluations),
            Schedule = stats.Schedule,
            Dev = new DevScores { Accuracy = dev.Accuracy, Words = dev.Words, Correct = dev.Correct, MacroF1 = dev.MacroF1 },
            Test = new TestScores
            {
                Accuracy = test.Accuracy, Words = test.Words, Correct = test.Correct, MacroF1 = test.MacroF1,
                PerTag = test.PerTag, Confusion = test.Confusion.ToJson(),
            },
            SavedModel = savedModel is null ? null : new SavedModelFiles(ModelDirectory, savedModel),
            Predictions = new PredictionsFile(PredictionsFile, FileFingerprint.Sha256(predictionsPath)),
            Inputs = spec.ToJson(),
            InputsHash = spec.InputsHash,
            Provenance = RunProvenance.Current(device, spec.Profile.Precision),
        };
        AtomicFile.WriteAllText(Path.Combine(runDirectory, MetricsFile), RunMetricsFile.ToJson(metrics));
        return metrics;
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
    public static RunProvenanceRecord Current(Device device, Precision precision = Precision.Fp32) => new()
    {
        Torchsharp = TorchRuntime.TorchSharpVersion,
        Libtorch = TorchRuntime.LibTorchVersion(),
        Backend = TorchRuntime.Backend,
        Device = device.ToString(),
        // What a golden compares exactly on (Golden/TolerancePolicy): equal fingerprints, equal bits.
        Fingerprint = (PlatformFingerprint.Current(device) with
        {
            Precision = precision == Precision.Fp32 ? null : TrainingProfile.PrecisionName(precision),
        }).ToJson(),
        Commit = BuildInfo.Commit,
        Machine = Environment.MachineName,
        DateUtc = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
    };
}
