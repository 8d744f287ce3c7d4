using BenchmarkDotNet.Attributes;
using POSLayerFreeze.Models;
using POSLayerFreeze.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace POSLayerFreeze.Benchmarks;

/// <summary>
/// bf16 mixed precision (<c>--bf16</c>) against fp32, MiniLM: one training step per configuration (the baseline, an
/// SLPF, a CLPF and <c>all</c>), fp32 the baseline of each, so BenchmarkDotNet's Ratio column is bf16 time ÷ fp32
/// time (the speed-up is its inverse) and PeakRSSΔ compares memory. Same batch, seed and optimizer as
/// <see cref="TrainingStepBenchmarks"/>.
/// </summary>
public class MixedPrecisionStepBenchmarks : TrainingBenchmarkBase
{
    public static IEnumerable<string> Configs => ["baseline", "slpf-3", "clpf-0+1+2", "all"];

    [ParamsSource(nameof(Configs))]
    public string Config { get; set; } = "baseline";

    [GlobalSetup(Target = nameof(Fp32Step))]
    public void SetupFp32() => Build(nameof(Fp32Step), BenchModel.Minilm, Config, precision: Precision.Fp32);

    [GlobalSetup(Target = nameof(Bf16Step))]
    public void SetupBf16() => Build(nameof(Bf16Step), BenchModel.Minilm, Config, precision: Precision.Bf16);

    [GlobalCleanup]
    public void Cleanup() => Record();

    [Benchmark(Baseline = true)]
    public void Fp32Step()
    {
        Harness.Step();
        BenchEnvironment.Synchronize(Harness.Device);
    }

    [Benchmark]
    public void Bf16Step()
    {
        Harness.Step();
        BenchEnvironment.Synchronize(Harness.Device);
    }

    protected override IEnumerable<(string Name, object? Value)> ParameterValues() => [(nameof(Config), Config)];
}

/// <summary>
/// Evaluation throughput in fp32 and bf16: MiniLM's forward in eval mode under no_grad over one batch of
/// <see cref="EvalBatchSize"/> windows (the profiles' eval batch) of the step benchmarks' length distribution, the
/// argmax read to the host as <see cref="Predictor"/> does. Ratio: bf16 time ÷ fp32 time.
/// </summary>
public class MixedPrecisionEvalBenchmarks
{
    public const int EvalBatchSize = 64;

    private TokenClassifier? _model;
    private Tensor? _ids;
    private Tensor? _mask;

    [GlobalSetup(Target = nameof(Fp32Eval))]
    public void SetupFp32() => Setup(Precision.Fp32);

    [GlobalSetup(Target = nameof(Bf16Eval))]
    public void SetupBf16() => Setup(Precision.Bf16);

    private void Setup(Precision precision)
    {
        var device = BenchEnvironment.ResolveDevice();
        _model = TrainingHarness.CreateModel(BenchModel.Minilm, device);
        _model.Precision = precision;
        _model.eval();
        var batch = BenchBatches.Fixed(EvalBatchSize, BenchEnvironment.SequenceLength, padId: 0, seed: 7);
        var (ids, mask, labels) = batch.ToDevice(device);
        labels.Dispose();
        (_ids, _mask) = (ids, mask);
        Evaluate();   // warm-up: first-call dispatch
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ids?.Dispose();
        _mask?.Dispose();
        _model?.Dispose();
    }

    [Benchmark(Baseline = true)]
    public long Fp32Eval() => Evaluate();

    [Benchmark]
    public long Bf16Eval() => Evaluate();

    private long Evaluate()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return _model!.call(_ids!, _mask!).argmax(-1).to(CPU).data<long>()[0];
    }
}
