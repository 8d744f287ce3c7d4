using System.Collections.Concurrent;
using BenchmarkDotNet.Running;

namespace POSLayerFreeze.Benchmarks;

/// <summary>What a benchmark case measured besides time: tokens per operation and memory. Filled in-process
/// (the benchmarks run with the in-process toolchain) and read by <see cref="TrainingColumns"/>.</summary>
public sealed record CaseMetrics(long RealTokensPerOp, long PaddedTokensPerOp, long StateBytes, long? PeakRssDeltaBytes, long? CudaUsedBytes,
    double? PaddedFraction = null, double? CpuSecondsPerStep = null, double? CpuSecondsPerOp = null);

/// <summary>Registry keyed by type, method and parameter values, so a column can find its case's numbers.</summary>
public static class BenchMetrics
{
    private static readonly ConcurrentDictionary<string, CaseMetrics> Cases = new(StringComparer.Ordinal);

    public static void Record(Type type, string method, IEnumerable<(string Name, object? Value)> parameters, CaseMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(type);
        Cases[Key(type.Name, method, parameters)] = metrics;
    }

    public static CaseMetrics? Find(BenchmarkCase benchmarkCase)
    {
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        var key = Key(benchmarkCase.Descriptor.Type.Name, benchmarkCase.Descriptor.WorkloadMethod.Name,
            benchmarkCase.Parameters.Items.Select(p => (p.Name, (object?)p.Value)));
        return Cases.TryGetValue(key, out var metrics) ? metrics : null;
    }

    private static string Key(string type, string method, IEnumerable<(string Name, object? Value)> parameters) =>
        type + "." + method + "(" + string.Join(",", parameters.OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => p.Name + "=" + Convert.ToString(p.Value, System.Globalization.CultureInfo.InvariantCulture))) + ")";
}
