using POSLayerFreeze.Training;
using POSLayerFreeze.Tokenization;

namespace POSLayerFreeze.Benchmarks;

/// <summary>
/// Shared life cycle of the training benchmarks: a <see cref="TrainingHarness"/> per case built in global setup
/// (model, freeze plan, optimizer, batches staged on the device, warm-up step), and in global cleanup the case's
/// tokens per op and memory recorded for <see cref="TrainingColumns"/>. Every timed operation ends with a device
/// synchronize (a no-op on CPU) so CUDA time is inside the timer.
/// </summary>
public abstract class TrainingBenchmarkBase
{
    private long _rssBefore;
    private string _method = "";

    protected TrainingHarness Harness { get; private set; } = null!;

    /// <summary>Steps one operation performs (tokens per op = tokens per step × this).</summary>
    protected virtual int StepsPerOp => 1;

    /// <summary>The case's parameters as (name, value), matching BenchmarkDotNet's parameter names.</summary>
    protected abstract IEnumerable<(string Name, object? Value)> ParameterValues();

    protected void Build(string method, BenchModel model, string config, IReadOnlyList<PaddedBatch>? batches = null,
        BenchOptimizer optimizer = BenchOptimizer.Flat, bool tf32 = false, bool cachedPrefix = false, Models.Precision precision = Models.Precision.Fp32)
    {
        _method = method;
        BenchEnvironment.ResetPeakRss();
        _rssBefore = BenchEnvironment.Rss()?.Current ?? 0;
        Harness = new TrainingHarness(model, config, batches ?? [BenchBatches.Fixed()], optimizer, tf32, cachedPrefix: cachedPrefix, precision: precision);
        Harness.Step();
        Harness.ReadLoss();
        Harness.ResetCpuUsage();
    }

    /// <summary>The declared benchmark class (the in-process toolchain runs an emitted subclass of it).</summary>
    private Type BenchmarkType()
    {
        var type = GetType();
        while (type.BaseType is { } parent && parent != typeof(TrainingBenchmarkBase)) type = parent;
        return type;
    }

    protected void Record(double? paddedFraction = null)
    {
        if (Harness is null) return;
        var steps = StepsPerOp;
        var rss = BenchEnvironment.Rss();
        BenchMetrics.Record(BenchmarkType(), _method, ParameterValues(), new CaseMetrics(
            Harness.RealTokens * steps / Harness.BatchCount, Harness.PaddedTokens * steps / Harness.BatchCount, Harness.StateBytes,
            rss is { } r ? r.Peak - _rssBefore : null,
            Harness.Device.type == TorchSharp.DeviceType.CUDA ? BenchEnvironment.CudaUsedBytes() : null,
            paddedFraction,
            Harness.CpuUsage.Steps > 0 ? Harness.CpuUsage.Cpu.TotalSeconds / Harness.CpuUsage.Steps : null));
        Harness.Dispose();
        Harness = null!;
        GC.Collect();
    }
}
