using System.Diagnostics;
using System.Text.Json.Nodes;
using POSLayerFreeze.Data;
using POSLayerFreeze.Freezing;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tests.Training.Oracle;
using POSLayerFreeze.Tokenization;
using POSLayerFreeze.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Training;

/// <summary>
/// What the loop reports and promises beyond the weights (which <see cref="TrainingOracleTests"/> checks): the token
/// counts, the loss read back as the mean of the steps since the previous read, the progress and per-epoch callbacks,
/// the training clock, cancellation, the non-finite-loss stop, the cached-prefix opt-in and the argument checks.
/// The numbers come from the committed PyTorch oracle of the tiny-bert case (its per-step losses, and the padded
/// batches it trained on), not from our own code.
/// </summary>
[TestFixture]
public sealed class TrainerLoopTests
{
    private const string Case = "tiny-bert";
    private const double Tolerance = 1e-5;

    private static string CaseDir => Path.Combine(OracleCases.FixtureDir, Case);

    private static JsonObject ReadJson(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();

    private static JsonObject[] OracleSteps(string plan) =>
        [.. ReadJson(Path.Combine(CaseDir, plan, "oracle.json"))["steps"]!.AsArray().Select(s => s!.AsObject())];

    private static int VocabSize => ReadJson(Path.Combine(OracleCases.CheckpointDir(Case), "config.json"))["vocab_size"]!.GetValue<int>();

    private static TrainingProfile Profile => OracleCases.Profile(OracleCases.Case(Case));

    /// <summary>The oracle case's model and windows with <paramref name="plan"/> applied, trained as <paramref name="settings"/> sets.</summary>
    private static TrainStats TrainOracleCase(string plan, Func<TrainRequest, TrainRequest> settings, TrainProgress? progress = null, EpochEnd? afterEpoch = null,
        Action<TokenClassifier>? before = null, TokenClassifier? model = null)
    {
        using var owned = model is null ? OracleCases.CreateModel(Case) : null;
        var classifier = model ?? owned!;
        var windows = OracleCases.Windows(classifier.Config.VocabSize);
        var trainable = FreezePlan.Parse(plan, classifier.Config.NumLayers).Apply(classifier);
        before?.Invoke(classifier);
        return Trainer.Train(settings(new TrainRequest(classifier, trainable, windows, Profile, OracleCases.Seed, classifier.Config.PadTokenId)
        {
            Progress = progress, AfterEpoch = afterEpoch,
        }));
    }

    [Test]
    public void TheLogIsTheOraclesMeanLossSinceThePreviousReadAndTheCountsAreTheBatchesTokens()
    {
        var oracle = OracleSteps("baseline");
        var progress = new List<(int Step, int Total, double Loss, bool Training)>();
        TokenClassifier? seen = null;
        // Started in eval mode: the trainer itself must switch dropout on (this model has none, so only the flag shows).
        var stats = TrainOracleCase("baseline", r => r with { LoggingSteps = 5, BucketOverheadTokens = null },
            (step, total, loss) => progress.Add((step, total, loss, seen!.training)),
            before: m => { seen = m; m.eval(); });

        // 22 steps read every 5: at 5, 10, 15, 20, and the last step 22 (a read of 2 steps).
        int[] reads = [5, 10, 15, 20, 22];
        Assert.That(stats.Steps, Is.EqualTo(oracle.Length).And.EqualTo(22));
        Assert.That(stats.Log.Select(e => e.Step), Is.EqualTo(reads));
        var previous = 0;
        for (var i = 0; i < reads.Length; i++)
        {
            var since = oracle[previous..reads[i]];
            var mean = since.Average(s => s["loss"]!.GetValue<double>());
            var atRead = oracle[reads[i] - 1];
            Assert.That(stats.Log[i].Loss, Is.EqualTo(mean).Within(Tolerance), $"read at step {reads[i]}: mean loss of steps {previous + 1}–{reads[i]}");
            Assert.That(stats.Log[i].GradNorm, Is.EqualTo(atRead["grad_norm"]!.GetValue<double>()).Within(Tolerance), $"grad norm at {reads[i]}");
            Assert.That(stats.Log[i].LearningRate, Is.EqualTo(atRead["learning_rate"]!.GetValue<double>()).Within(1e-12), $"lr at {reads[i]}");
            previous = reads[i];
        }
        // The reads differ from each other and from a single step's loss, so a sum or one step instead of the mean fails.
        Assert.That(stats.Log[0].Loss, Is.Not.EqualTo(oracle[4]["loss"]!.GetValue<double>()).Within(Tolerance));

        // Progress: every step, the total, the last read (NaN before the first), always in training mode.
        Assert.That(progress.Select(p => p.Step), Is.EqualTo(Enumerable.Range(1, 22)));
        Assert.That(progress.Select(p => p.Total).Distinct(), Is.EqualTo(new[] { 22 }));
        Assert.That(progress.All(p => p.Training), Is.True, "the model trains in training mode whatever mode it was handed in");
        for (var step = 1; step <= 22; step++)
        {
            var lastRead = Array.FindLastIndex(reads, r => r <= step);
            var expected = lastRead < 0 ? double.NaN : stats.Log[lastRead].Loss;
            Assert.That(progress[step - 1].Loss, Is.EqualTo(expected), $"progress loss at step {step}");
        }

        // Token counts: the committed batches the oracle trained on (2 epochs of 42 windows, batches of 4, one padded batch a step).
        var batches = ReadJson(Path.Combine(CaseDir, "batches.json"))["steps"]!.AsArray();
        var real = batches.Sum(s => s!["attention_mask"]!.AsArray().Sum(row => row!.AsArray().Sum(v => v!.GetValue<long>())));
        var padded = batches.Sum(s => (long)s!["input_ids"]!.AsArray().Count * s!["input_ids"]![0]!.AsArray().Count);
        Assert.That(real, Is.EqualTo(2 * OracleCases.Windows(VocabSize).Sum(w => (long)w.Length)), "the fixture's premise: every window once an epoch");
        Assert.That(padded, Is.GreaterThan(real), "the fixture's premise: the batches carry padding");
        Assert.That((stats.RealTokens, stats.PaddedTokens), Is.EqualTo((real, padded)));
        Assert.That(stats.Seconds, Is.GreaterThan(0));
        Assert.That(stats.TokensPerSecond, Is.EqualTo(real / stats.Seconds));
        Assert.That(stats.CachedLayers, Is.EqualTo(-1), "no cached prefix without the opt-in");
    }

    [Test]
    public void AfterEpochRunsOnTheStoppedClockAndTrainingResumesInTrainingMode()
    {
        var calls = new List<(int Epochs, int Step)>();
        var modes = new List<bool>();
        TokenClassifier? seen = null;
        double callbackSeconds = 0, progressSeconds = 0;
        var outer = new Stopwatch();
        var stats = TrainOracleCase("baseline", r => r,
            progress: (step, _, _) =>
            {
                modes.Add(seen!.training);
                // Only in the second epoch: the clock must run again after the first epoch's callback.
                if (step <= 11) return;
                var watch = Stopwatch.StartNew();
                Thread.Sleep(100);
                progressSeconds += watch.Elapsed.TotalSeconds;
            },
            afterEpoch: (epochs, step) =>
            {
                var watch = Stopwatch.StartNew();
                calls.Add((epochs, step));
                seen!.eval();   // as a dev evaluation leaves it
                Thread.Sleep(400);
                callbackSeconds += watch.Elapsed.TotalSeconds;
            },
            before: m => { seen = m; outer.Start(); });
        outer.Stop();

        Assert.That(calls, Is.EqualTo(new[] { (1, 11), (2, 22) }), "once per epoch, after its last step, with epochs done and steps done");
        Assert.That(modes, Has.Count.EqualTo(22));
        Assert.That(modes.All(m => m), Is.True, "after the callback the model trains in training mode again");
        // The callbacks' time is not training time; the progress calls' time is (they run inside the loop).
        Assert.That(stats.Seconds + callbackSeconds, Is.LessThanOrEqualTo(outer.Elapsed.TotalSeconds), "the callbacks ran on the stopped clock");
        Assert.That(stats.Seconds, Is.GreaterThanOrEqualTo(progressSeconds), "the clock runs again in the second epoch");
    }

    [Test]
    public void TheCachedPrefixIsOptInAndMatchesTheOracleWithoutDropout()
    {
        // Plan "all" freezes the embeddings and both layers: everything is cacheable. Without dropout the cached run
        // computes what the full model computes, so both must match the oracle; only the opt-in caches.
        var oracle = OracleSteps("all");
        foreach (var cached in new[] { false, true })
        {
            var stats = TrainOracleCase("all", r => r with { LoggingSteps = 1, CachedPrefix = cached });
            Assert.That(stats.CachedLayers, Is.EqualTo(cached ? 2 : -1), $"cached {cached}");
            Assert.That(stats.Log.Select(e => e.Loss), Is.EqualTo(oracle.Select(s => s["loss"]!.GetValue<double>())).Within(Tolerance), $"cached {cached}");
        }
    }

    [Test]
    public void TheCachedPrefixRunsTheFrozenPrefixWithoutDropout()
    {
        // With the checkpoint's own dropout, a cached run's frozen prefix sees none, the plain run's does: the heads differ.
        // (The same training twice gives the same head: ProtocolGuardTests.The_same_training_twice_gives_the_same_head.)
        float[] Head(bool cached)
        {
            using var model = WithDropout(Case);
            TrainOracleCase("all", r => r with { CachedPrefix = cached }, model: model);
            return model.ClassifierParameters()[0].data<float>().ToArray();
        }
        var plain = Head(cached: false);
        Assert.That(Head(cached: false), Is.EqualTo(plain), "the premise: a plain run is reproducible");
        Assert.That(Head(cached: true), Is.Not.EqualTo(plain));
    }

    /// <summary>The oracle case's model, but from the checkpoint's config as it is (dropout on).</summary>
    private static TokenClassifier WithDropout(string model)
    {
        var dir = OracleCases.CheckpointDir(model);
        var json = ReadJson(Path.Combine(dir, "config.json"));
        Assert.That(json["hidden_dropout_prob"]!.GetValue<double>(), Is.GreaterThan(0), "the checkpoint trains with dropout");
        var source = new ModelSource(model, dir, EncoderConfig.FromJson(json, model), Path.Combine(dir, "config.json"),
            Path.Combine(dir, "model.safetensors"), VocabPath: "", Tokenizer: BertTokenizerSettings.Uncased);
        TorchRuntime.Seed(OracleCases.Seed);
        return ModelCatalog.CreateClassifier(source, Upos.Tags.Count);
    }

    [Test]
    public void ACancelledRunStopsBeforeItsFirstStep()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        using var model = OracleCases.CreateModel(Case);
        var before = model.ClassifierParameters()[0].data<float>().ToArray();
        var trainable = FreezePlan.Parse("baseline", model.Config.NumLayers).Apply(model);
        var steps = 0;
        var request = new TrainRequest(model, trainable, OracleCases.Windows(model.Config.VocabSize), Profile, OracleCases.Seed, model.Config.PadTokenId)
        {
            Progress = (_, _, _) => steps++,
        };
        Assert.Throws<OperationCanceledException>(() => Trainer.Train(request, cancel.Token));
        Assert.That(steps, Is.Zero);
        Assert.That(model.ClassifierParameters()[0].data<float>().ToArray(), Is.EqualTo(before));
    }

    [Test]
    public void ANonFiniteLossStopsTheRunAtTheReadNamingTheStep()
    {
        var e = Assert.Throws<NonFiniteLossException>(() => TrainOracleCase("baseline", r => r with { LoggingSteps = 1 },
            before: m =>
            {
                using var noGrad = no_grad();
                m.ClassifierParameters()[1][0].fill_(float.NaN);   // one bias: every loss is NaN from the first step
            }));
        Assert.That(e!.Step, Is.EqualTo(1));
        Assert.That(e.Message, Is.EqualTo("the training loss became NaN at step 1; the run is stopped (lower the learning rate or check the weights)"));
        Assert.That(new NonFiniteLossException(7, double.PositiveInfinity).Message,
            Is.EqualTo("the training loss became Infinity at step 7; the run is stopped (lower the learning rate or check the weights)"));
    }

    [Test]
    public void ANonFiniteLossIsNamedAtTheStepItAppearedNotAtTheRead()
    {
        // Issue 29: the loss is read every LoggingSteps steps; a NaN that appears at step 3 of an interval of 5 was
        // reported as step 5. The bias is poisoned after step 2, so step 3's loss is the first NaN.
        using var model = OracleCases.CreateModel(Case);
        var e = Assert.Throws<NonFiniteLossException>(() => TrainOracleCase("baseline", r => r with { LoggingSteps = 5 },
            progress: (step, _, _) =>
            {
                if (step != 2) return;
                using var noGrad = no_grad();
                model.ClassifierParameters()[1][0].fill_(float.NaN);
            }, model: model));
        Assert.That(e!.Step, Is.EqualTo(3));
        Assert.That(e.Message, Does.StartWith("the training loss became NaN at step 3;"));
    }

    [Test]
    public void EveryEntryPointNamesTheArgumentThatIsBad()
    {
        using var model = OracleCases.CreateModel(Case);
        var trainable = FreezePlan.Parse("baseline", model.Config.NumLayers).Apply(model);
        var windows = OracleCases.Windows(model.Config.VocabSize);
        Assert.Multiple(() =>
        {
            Assert.That(() => Trainer.Train(null!), Throws.TypeOf<ArgumentNullException>().With.Property("ParamName").EqualTo("request"));
            Assert.That(() => new TrainRequest(null!, trainable, windows, Profile, 1, 0),
                Throws.TypeOf<ArgumentNullException>().With.Property("ParamName").EqualTo("Model"));
            Assert.That(() => new TrainRequest(model, null!, windows, Profile, 1, 0),
                Throws.TypeOf<ArgumentNullException>().With.Property("ParamName").EqualTo("Trainable"));
            Assert.That(() => new TrainRequest(model, trainable, null!, Profile, 1, 0),
                Throws.TypeOf<ArgumentNullException>().With.Property("ParamName").EqualTo("Windows"));
            Assert.That(() => new TrainRequest(model, trainable, windows, null!, 1, 0),
                Throws.TypeOf<ArgumentNullException>().With.Property("ParamName").EqualTo("Profile"));
            foreach (var interval in new[] { 0, -1 })
                Assert.That(() => new TrainRequest(model, trainable, windows, Profile, 1, 0) { LoggingSteps = interval },
                    Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("LoggingSteps"), $"interval {interval}");
            Assert.That(() => Trainer.CreateOptimizer(model, trainable, null!),
                Throws.TypeOf<ArgumentNullException>().With.Property("ParamName").EqualTo("profile"));
            Assert.That(() => Trainer.DecayExempt(null!, trainable, WeightDecayExclusion.BiasAndLayerNorm),
                Throws.TypeOf<ArgumentNullException>().With.Property("ParamName").EqualTo("model"));
            Assert.That(() => Trainer.DecayExempt(model, null!, WeightDecayExclusion.BiasAndLayerNorm),
                Throws.TypeOf<ArgumentNullException>().With.Property("ParamName").EqualTo("trainable"));
        });
    }

    [Test]
    public void TheStatisticsRecordDefaultsAndThroughput()
    {
        var stats = new TrainStats(3, RealTokens: 100, PaddedTokens: 120, Seconds: 4.0, [new LogEntry(3, 1.0, 0.5, 1e-3, 2.0)]);
        Assert.Multiple(() =>
        {
            Assert.That(stats.CachedLayers, Is.EqualTo(-1), "cached-prefix mode off unless set");
            Assert.That(stats.TokensPerSecond, Is.EqualTo(25.0), "real tokens per second");
            Assert.That((stats with { Seconds = 0 }).TokensPerSecond, Is.Zero, "no time measured: 0, not infinity");
            Assert.That((stats with { Seconds = -1 }).TokensPerSecond, Is.Zero);
            Assert.That(stats.Loss, Is.EqualTo(new[] { (3, 0.5) }));
        });
    }

    [Test]
    public void TheRequestsDefaultsAreBucketsTheProfilesLoggingStepsAndNoCache()
    {
        // Which devices bucket by default is DevicePolicy.LengthBuckets (DevicePolicyTests).
        using var model = OracleCases.CreateModel(Case);
        var request = new TrainRequest(model, [], [], Profile, 1, 0);
        Assert.That((request.BucketOverheadTokens, request.LoggingSteps, request.CachedPrefix),
            Is.EqualTo(((int?)MicroBatches.DefaultOverheadTokens, TrainingProfile.DefaultLoggingSteps, false)));
    }
}
