using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Tests.Evaluation;

/// <summary>
/// The bootstraps' documented draw order replayed, as an oracle for <see cref="POSLayerFreeze.Evaluation.PairedBootstrap"/>
/// and the seed-aware bootstrap: per resample, one SplitMix64 draws A's seeds, then B's seeds (none for the sentence
/// bootstrap), then n sentences. Every seed of a side here is the same run, so δ* = (Σ correct_B − Σ correct_A) /
/// Σ words over the drawn sentences: integer sums, exact in doubles, so the replayed δ* are bit-equal to the
/// method's (ties stay ties). A resample of only word-less sentences has δ* = 0.
/// </summary>
internal static class BootstrapReplay
{
    public static double[] Deltas(int[] a, int[] b, int[] words, int resamples, ulong seed, int seedsA = 0, int seedsB = 0)
    {
        var rng = new SplitMix64(seed);
        var deltas = new double[resamples];
        for (var r = 0; r < resamples; r++)
        {
            for (var k = 0; k < seedsA; k++) rng.NextInt(seedsA);
            for (var k = 0; k < seedsB; k++) rng.NextInt(seedsB);
            long gain = 0, total = 0;
            for (var k = 0; k < words.Length; k++)
            {
                var i = rng.NextInt(words.Length);
                gain += b[i] - a[i];
                total += words[i];
            }
            deltas[r] = total == 0 ? 0 : (double)gain / total;
        }
        return deltas;
    }

    /// <summary>The linear-interpolation percentile of the unsorted values (numpy's default rule).</summary>
    public static double Percentile(double[] values, double q)
    {
        var sorted = values.Order().ToArray();
        var position = q * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        return sorted[below] + (position - below) * (sorted[Math.Min(below + 1, sorted.Length - 1)] - sorted[below]);
    }
}
