using BenchmarkDotNet.Attributes;

namespace POSLayerFreeze.Benchmarks;

/// <summary>
/// (e) Opt-in cached prefix: a training step that runs the frozen embeddings + layers 0..k (baseline: the normal
/// step) against one that gathers their cached output and runs only the trainable rest. Configurations whose
/// embeddings are frozen: <c>all</c> (only the head trains) and <c>clpf-emb+0+1+2</c>. The cache itself is built once
/// in setup (one eval forward per sentence per run), not timed here.
/// </summary>
public class PrefixCacheBenchmarks : TrainingBenchmarkBase
{
    [Params("all", "clpf-emb+0+1+2")]
    public string Config { get; set; } = "all";

    [ParamsAllValues]
    public BenchModel Model { get; set; }

    [GlobalSetup(Target = nameof(FullStep))]
    public void SetupFull() => Build(nameof(FullStep), Model, Config);

    [GlobalSetup(Target = nameof(CachedPrefixStep))]
    public void SetupCached() => Build(nameof(CachedPrefixStep), Model, Config, cachedPrefix: true);

    [GlobalCleanup]
    public void Cleanup() => Record();

    [Benchmark(Baseline = true)]
    public void FullStep()
    {
        Harness.Step();
        BenchEnvironment.Synchronize(Harness.Device);
    }

    [Benchmark]
    public void CachedPrefixStep()
    {
        Harness.Step();
        BenchEnvironment.Synchronize(Harness.Device);
    }

    protected override IEnumerable<(string Name, object? Value)> ParameterValues() => [(nameof(Config), Config), (nameof(Model), Model)];
}
