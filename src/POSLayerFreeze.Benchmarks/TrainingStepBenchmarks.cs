using BenchmarkDotNet.Attributes;
using POSLayerFreeze.Freezing;

namespace POSLayerFreeze.Benchmarks;

/// <summary>
/// One training step (forward, loss, backward, FlatAdamW, zero grad; batch staged on the device; no host sync
/// inside; synchronized before the timer stops) per freeze configuration of the study, for the pretrained MiniLM
/// and a DistilBERT-sized encoder, on <c>POSLF_BENCH_DEVICE</c> (cpu | cuda). Batch: 32 windows padded to 40 tokens
/// on CPU, 128 on CUDA, about half padding. <c>baseline</c> is the reference of the ×Baseline column.
/// </summary>
public class TrainingStepBenchmarks : TrainingBenchmarkBase
{
    /// <summary>Encoder layers of both benchmarked models.</summary>
    public const int Layers = 6;

    /// <summary>baseline, slpf-0…5, the CLPF prefixes clpf-0+1 … clpf-0+…+5, all: the study's 13 configurations.</summary>
    public static IEnumerable<string> Configs => Suites.Expand("study", Layers).Select(p => p.Name);

    public static IEnumerable<bool> Tf32Values => BenchEnvironment.IsCuda ? [false, true] : [false];

    [ParamsSource(nameof(Configs))]
    public string Config { get; set; } = "baseline";

    [ParamsAllValues]
    public BenchModel Model { get; set; }

    /// <summary>TF32 matmuls (CUDA only; a single <c>False</c> on CPU).</summary>
    [ParamsSource(nameof(Tf32Values))]
    public bool Tf32 { get; set; }

    [GlobalSetup]
    public void Setup() => Build(nameof(Step), Model, Config, tf32: Tf32);

    [GlobalCleanup]
    public void Cleanup() => Record();

    [Benchmark]
    public void Step()
    {
        Harness.Step();
        BenchEnvironment.Synchronize(Harness.Device);
    }

    /// <summary>The freeze configuration a case ran (for the plot exporter).</summary>
    public static string ConfigOf(BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) =>
        (string)(benchmarkCase ?? throw new ArgumentNullException(nameof(benchmarkCase))).Parameters[nameof(Config)];

    protected override IEnumerable<(string Name, object? Value)> ParameterValues() =>
        [(nameof(Config), Config), (nameof(Model), Model), (nameof(Tf32), Tf32)];
}
