using BenchmarkDotNet.Attributes;

namespace POSLayerFreeze.Benchmarks;

/// <summary>
/// (a) The flat AdamW (one buffer, seven kernels per step) against TorchSharp's managed torch.optim.AdamW (about
/// nine kernels per parameter tensor) in the same full training step, baseline configuration (every parameter
/// trains, so the optimizer's share is largest).
/// </summary>
public class OptimizerBenchmarks : TrainingBenchmarkBase
{
    [ParamsAllValues]
    public BenchModel Model { get; set; }

    [GlobalSetup(Target = nameof(TorchAdamW))]
    public void SetupTorch() => Build(nameof(TorchAdamW), Model, "baseline", optimizer: BenchOptimizer.Torch);

    [GlobalSetup(Target = nameof(FlatAdamW))]
    public void SetupFlat() => Build(nameof(FlatAdamW), Model, "baseline", optimizer: BenchOptimizer.Flat);

    [GlobalCleanup]
    public void Cleanup() => Record();

    [Benchmark(Baseline = true)]
    public void TorchAdamW()
    {
        Harness.Step();
        BenchEnvironment.Synchronize(Harness.Device);
    }

    [Benchmark]
    public void FlatAdamW()
    {
        Harness.Step();
        BenchEnvironment.Synchronize(Harness.Device);
    }

    protected override IEnumerable<(string Name, object? Value)> ParameterValues() => [(nameof(Model), Model)];
}
