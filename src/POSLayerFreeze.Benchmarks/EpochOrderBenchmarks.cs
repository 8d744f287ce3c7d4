using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using POSLayerFreeze.Data;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Freezing;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Training;
using TorchSharp;

namespace POSLayerFreeze.Benchmarks;

/// <summary>
/// What the batch order costs: one training epoch of the smoke data (EWT train, first 1,024 sentences, windows of
/// ≤ 128 tokens, batches of 32, MiniLM baseline) through the real <see cref="Trainer"/>, in three ways — Hugging
/// Face's random order as padded batches, the same random order as length-bucketed micro-batches (the default on
/// the CPU: same math), and group-by-length (little padding to begin with). Reported in CPU seconds per epoch (the
/// CPU ratio column), which a shared machine does not distort the way it distorts wall time.
/// </summary>
[Config(typeof(LongOpConfig))]
public class EpochOrderBenchmarks
{
    /// <summary>One op is a whole epoch (tens of seconds): in-process with a timeout that fits 5 ops, 1 warm-up + 3 measured.</summary>
    public sealed class LongOpConfig : ManualConfig
    {
        public LongOpConfig() => AddJob(Job.Default
            .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(60), logOutput: true))
            .WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(3).WithInvocationCount(1).WithUnrollFactor(1)
            .WithId("EpochJob"));
    }

    private static ExperimentData? s_data;
    private TokenClassifier? _model;
    private IReadOnlyList<TorchSharp.Modules.Parameter> _trainable = [];
    private TrainingProfile _profile = TrainingProfile.Smoke;
    private int? _bucketOverhead = MicroBatches.DefaultOverheadTokens;
    private TimeSpan _cpu;
    private int _ops;
    private long _realTokens;
    private long _paddedTokens;
    private string _method = "";

    public enum Batches
    {
        RandomPadded,
        RandomBucketed,
        GroupedByLength,
    }

    [GlobalSetup(Target = nameof(RandomPadded))]
    public void SetupPadded() => Setup(nameof(RandomPadded), BatchOrder.Random, bucketed: false);

    [GlobalSetup(Target = nameof(RandomBucketed))]
    public void SetupBucketed() => Setup(nameof(RandomBucketed), BatchOrder.Random, bucketed: true);

    [GlobalSetup(Target = nameof(GroupedByLength))]
    public void SetupGrouped() => Setup(nameof(GroupedByLength), BatchOrder.GroupByLength, bucketed: false);

    [Benchmark]
    public void RandomPadded() => Epoch();

    [Benchmark]
    public void RandomBucketed() => Epoch();

    [Benchmark(Baseline = true)]
    public void GroupedByLength() => Epoch();

    [GlobalCleanup]
    public void Cleanup()
    {
        BenchMetrics.Record(typeof(EpochOrderBenchmarks), _method, [], new CaseMetrics(
            _realTokens, _paddedTokens, 0, null, null, PaddedFraction: 1 - (double)_realTokens / _paddedTokens,
            CpuSecondsPerOp: _ops > 0 ? _cpu.TotalSeconds / _ops : null));
        _model?.Dispose();
        _model = null;
    }

    private void Setup(string method, BatchOrder order, bool bucketed)
    {
        _method = method;
        var source = ModelCatalog.Resolve(ModelCatalog.DefaultModel);
        s_data ??= ExperimentData.Load(source, TrainingProfile.Smoke, DatasetLocator.LocateTreebank(null, null));
        TorchRuntime.Seed(42);
        _model = ModelCatalog.CreateClassifier(source, Upos.Tags.Count);
        _trainable = FreezePlan.Parse("baseline", _model.Config.NumLayers).Apply(_model);
        _profile = TrainingProfile.Smoke with { BatchOrder = order };
        _bucketOverhead = bucketed ? MicroBatches.DefaultOverheadTokens : null;
        (_cpu, _ops) = (TimeSpan.Zero, 0);
    }

    private void Epoch()
    {
        var before = Environment.CpuUsage.TotalTime;
        var stats = Trainer.Train(new TrainRequest(_model!, _trainable, s_data!.TrainWindows, _profile, 42, s_data.Tokenizer.PadId)
        {
            BucketOverheadTokens = _bucketOverhead,
        });
        _cpu += Environment.CpuUsage.TotalTime - before;
        _ops++;
        (_realTokens, _paddedTokens) = (stats.RealTokens, stats.PaddedTokens);
    }
}
