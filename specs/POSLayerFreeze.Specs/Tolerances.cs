using POSLayerFreeze.Evaluation;

namespace POSLayerFreeze.Specs;

/// <summary>
/// How far a received metric may move from the verified one and still be the same result (docs/specs.md explains
/// the numbers). CPU: runs are bit-reproducible on one machine; the tolerances only absorb other CPUs' float
/// rounding (other SIMD widths, another oneDNN/MKL kernel), a few words of 25,094. CUDA: kernels are not
/// bit-reproducible, so the tolerance comes from the spread measured across the seeds themselves —
/// three standard errors of the seed mean, max(floor, 3·sd/√n) — proposed at approval time and stored in the
/// verified file.
/// </summary>
public static class Tolerances
{
    /// <summary>Accuracy on CPU: 0.5 point, about 125 of the 25,094 test words.</summary>
    public const double CpuAccuracy = 0.005;

    /// <summary>Macro-F1 on CPU: rare tags (X, SYM, INTJ) move it by whole F1 points per few words.</summary>
    public const double CpuMacroF1 = 0.01;

    /// <summary>Per-tag F1 on CPU (only tags with ≥ 500 test words are kept).</summary>
    public const double CpuTagF1 = 0.02;

    /// <summary>A claim's effect on CPU: a difference of two accuracies, each within <see cref="CpuAccuracy"/>.</summary>
    public const double CpuEffect = 2 * CpuAccuracy;

    /// <summary>Never tighter than this on CUDA, even when the seeds agree closely.</summary>
    public const double SpreadFloor = 0.002;

    /// <summary>Per-tag F1 on CUDA: never tighter than this.</summary>
    public const double TagSpreadFloor = 0.01;

    /// <summary>Tags with at least this many test words get a per-tag F1 metric; rarer ones are too noisy.</summary>
    public const int StableTagSupport = 500;

    /// <summary>
    /// The tolerance of a seed-averaged metric: <paramref name="cpu"/> on CPU (or with a single seed, which measures
    /// no spread), else max(<paramref name="floor"/>, 3·sd/√n) over <paramref name="perSeed"/>.
    /// </summary>
    public static double Of(string backend, double cpu, double floor, IReadOnlyList<double> perSeed)
    {
        ArgumentNullException.ThrowIfNull(perSeed);
        if (backend == "cpu" || perSeed.Count < 2) return cpu;
        var spread = MeanSd.Of(perSeed);
        return RoundUp(Math.Max(floor, 3 * spread.Sd / Math.Sqrt(spread.N)));
    }

    /// <summary>
    /// The tolerance of a claim's effect (a difference of two seed means): <see cref="CpuEffect"/> on CPU, else
    /// max(floor, 3·√2·sd/√n) with sd the largest test-accuracy spread of any configuration.
    /// </summary>
    public static double OfEffect(string backend, double largestSd, int seeds) =>
        backend == "cpu" || seeds < 2 ? CpuEffect : RoundUp(Math.Max(SpreadFloor, 3 * Math.Sqrt(2) * largestSd / Math.Sqrt(seeds)));

    /// <summary>Four decimals, rounded up so the stored tolerance is never tighter than the computed one.</summary>
    private static double RoundUp(double tolerance) => Math.Ceiling(tolerance * 1e4) / 1e4;
}
