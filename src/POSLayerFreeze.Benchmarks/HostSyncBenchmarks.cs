using BenchmarkDotNet.Attributes;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Benchmarks;

/// <summary>
/// (b) Host syncs in the hot loop, per step: reading the loss every step (<c>.item()</c>, the state before) against
/// reading it every <see cref="TrainingProfile.DefaultLoggingSteps"/> steps (the trainer), and a per-step
/// host→device copy of the batch (a synchronous copy from pageable memory; what the trainer did before it staged every
/// batch up front) against a batch already on the device.
/// One op = <see cref="Steps"/> steps and then a device synchronize (reported per step), so a per-step sync is
/// visible on CUDA; the interval read is amortised over the ops. Baseline configuration.
/// </summary>
public class HostSyncBenchmarks : TrainingBenchmarkBase
{
    private int _sinceRead;

    [ParamsAllValues]
    public BenchModel Model { get; set; }

    [GlobalCleanup]
    public void Cleanup() => Record();

    [GlobalSetup(Target = nameof(LossEveryStep))]
    public void SetupEveryStep() => Build(nameof(LossEveryStep), Model, "baseline");

    [GlobalSetup(Target = nameof(LossEvery50))]
    public void SetupEvery50() => Build(nameof(LossEvery50), Model, "baseline");

    [GlobalSetup(Target = nameof(LossEvery50HostBatch))]
    public void SetupHostBatch() => Build(nameof(LossEvery50HostBatch), Model, "baseline");

    private const int Steps = 5;

    [Benchmark(Baseline = true, OperationsPerInvoke = Steps)]
    public void LossEveryStep()
    {
        for (var i = 0; i < Steps; i++) Harness.Step(readLoss: true);
        BenchEnvironment.Synchronize(Harness.Device);
    }

    [Benchmark(OperationsPerInvoke = Steps)]
    public void LossEvery50()
    {
        for (var i = 0; i < Steps; i++) Harness.Step(readLoss: ++_sinceRead % TrainingProfile.DefaultLoggingSteps == 0);
        BenchEnvironment.Synchronize(Harness.Device);
    }

    [Benchmark(OperationsPerInvoke = Steps)]
    public void LossEvery50HostBatch()
    {
        for (var i = 0; i < Steps; i++) Harness.StepFromHost(readLoss: ++_sinceRead % TrainingProfile.DefaultLoggingSteps == 0);
        BenchEnvironment.Synchronize(Harness.Device);
    }

    protected override IEnumerable<(string Name, object? Value)> ParameterValues() => [(nameof(Model), Model)];
}
