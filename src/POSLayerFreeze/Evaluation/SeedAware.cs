using System.Text.Json.Nodes;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Evaluation;

/// <summary>
/// One seed-aware comparison of B against A: Δ (difference of seed-mean accuracies), its 95% interval and two-sided p.
/// <see cref="Computable"/> is false when a side has fewer than two seeds: retraining noise cannot be measured from
/// one run, and <see cref="Reason"/> says so; the numbers are then NaN and never written.
/// </summary>
public sealed record SeedAwareResult(string Method, bool Computable, string Reason, double Difference, double Lower, double Upper,
    double PValue, int SeedsA, int SeedsB)
{
    /// <summary>Welch only: the t statistic and Welch–Satterthwaite degrees of freedom.</summary>
    public double T { get; init; } = double.NaN;

    public double Df { get; init; } = double.NaN;

    /// <summary>Hierarchical bootstrap only: resamples and PRNG seed.</summary>
    public int Resamples { get; init; }

    public ulong Seed { get; init; }

    public static SeedAwareResult NotComputable(string method, int seedsA, int seedsB) =>
        new(method, false, $"cannot be computed: {Math.Min(seedsA, seedsB)} seed on one side (n=1 measures no seed-to-seed spread)",
            double.NaN, double.NaN, double.NaN, double.NaN, seedsA, seedsB);

    public JsonObject ToJson()
    {
        var json = new JsonObject { ["method"] = Method, ["computable"] = Computable, ["seeds_a"] = SeedsA, ["seeds_b"] = SeedsB };
        if (!Computable)
        {
            json["reason"] = Reason;
            return json;
        }
        json["difference"] = EvaluationJson.Number(Difference);
        json["ci_low"] = EvaluationJson.Number(Lower);
        json["ci_high"] = EvaluationJson.Number(Upper);
        json["p_value"] = EvaluationJson.Number(PValue);
        if (double.IsFinite(T)) json["t"] = EvaluationJson.Number(T);
        if (double.IsFinite(Df)) json["df"] = EvaluationJson.Number(Df);
        if (Resamples > 0)
        {
            json["resamples"] = Resamples;
            json["seed"] = Seed.ToString(Runtime.Invariant.Culture);
        }
        return json;
    }
}

/// <summary>
/// Comparisons that count retraining noise (Reimers &amp; Gurevych 2017; Dror et al. 2018), beside the sentence
/// bootstrap of <see cref="PairedBootstrap"/>, whose interval only says which test sentences happened to be drawn.
/// </summary>
public static class SeedAware
{
    public const string HierarchicalMethod = "hierarchical-bootstrap";
    public const string WelchMethod = "welch-t";

    /// <summary>
    /// Two-level bootstrap: each resample draws, with replacement, as many seeds of A as A has and as many of B as B
    /// has (independently: seed 42 of two configurations are two different trainings), then as many test sentences
    /// as there are (the same sentences for both sides: both tagged the same test set), and recomputes
    /// δ* = mean over B's drawn seeds of accuracy* − mean over A's drawn seeds of accuracy*, accuracy* = Σ correct / Σ
    /// words over the drawn sentences. Interval: 2.5th/97.5th percentiles of δ*; p = min(1, 2·min(P*(δ* ≤ 0),
    /// P*(δ* ≥ 0))), the rule of <see cref="PairedBootstrap"/>. Draw order per resample: A's seeds, B's seeds, then
    /// the sentences, all from one <see cref="SplitMix64"/>.
    /// </summary>
    /// <remarks>
    /// With few seeds the seed level is coarse (3 seeds give 10 distinct multisets) and the bootstrap variance of a
    /// mean of n values is (n−1)/n of the usual estimate, so this interval is somewhat narrow for n = 3; the Welch
    /// test, which uses t quantiles, is the small-sample check beside it.
    /// </remarks>
    public static SeedAwareResult HierarchicalBootstrap(
        IReadOnlyList<IReadOnlyList<int>> aBySeed,
        IReadOnlyList<IReadOnlyList<int>> bBySeed,
        IReadOnlyList<int> words,
        int resamples = PairedBootstrap.DefaultResamples,
        ulong seed = PairedBootstrap.DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(aBySeed);
        ArgumentNullException.ThrowIfNull(bBySeed);
        ArgumentNullException.ThrowIfNull(words);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        var n = words.Count;
        if (n == 0) throw new ArgumentException("The bootstrap needs at least one sentence.", nameof(words));
        var a = Matrix(aBySeed, words, "A", nameof(aBySeed));
        var b = Matrix(bBySeed, words, "B", nameof(bBySeed));
        int na = aBySeed.Count, nb = bBySeed.Count;
        if (na < 2 || nb < 2) return SeedAwareResult.NotComputable(HierarchicalMethod, na, nb);
        var totalWords = words.Sum(w => (long)w);
        if (totalWords == 0) throw new ArgumentException("The sentences hold no words.", nameof(words));

        var difference = MeanAccuracy(b, nb, totalWords) - MeanAccuracy(a, na, totalWords);
        var rng = new SplitMix64(seed);
        var deltas = new double[resamples];
        var weightA = new double[na];
        var weightB = new double[nb];
        var sumA = new double[na];
        var sumB = new double[nb];
        int atOrBelowZero = 0, atOrAboveZero = 0;
        for (var r = 0; r < resamples; r++)
        {
            Array.Clear(weightA);
            Array.Clear(weightB);
            for (var k = 0; k < na; k++) weightA[rng.NextInt(na)] += 1.0 / na;
            for (var k = 0; k < nb; k++) weightB[rng.NextInt(nb)] += 1.0 / nb;
            Array.Clear(sumA);
            Array.Clear(sumB);
            long sumWords = 0;
            for (var k = 0; k < n; k++)
            {
                var i = rng.NextInt(n);
                sumWords += words[i];
                for (var s = 0; s < na; s++) sumA[s] += a[s * n + i];
                for (var s = 0; s < nb; s++) sumB[s] += b[s * n + i];
            }
            double delta = 0;
            if (sumWords > 0)
            {
                for (var s = 0; s < na; s++) delta -= weightA[s] * sumA[s];
                for (var s = 0; s < nb; s++) delta += weightB[s] * sumB[s];
                delta /= sumWords;
            }
            deltas[r] = delta;
            if (delta <= 0) atOrBelowZero++;
            if (delta >= 0) atOrAboveZero++;
        }
        Array.Sort(deltas);
        var p = Math.Min(1.0, 2.0 * Math.Min(atOrBelowZero, atOrAboveZero) / resamples);
        return new SeedAwareResult(HierarchicalMethod, true, "", difference, PairedBootstrap.Percentile(deltas, 0.025),
            PairedBootstrap.Percentile(deltas, 0.975), p, na, nb) { Resamples = resamples, Seed = seed };
    }

    /// <summary>
    /// Welch's unequal-variance t-test of mean(B) − mean(A) over per-seed values (here: per-seed test accuracies):
    /// se = √(s²_A/n_A + s²_B/n_B), df by Welch–Satterthwaite, two-sided p from <see cref="StudentT"/>, interval
    /// Δ ± t_{0.975, df}·se. When neither side varies (se = 0) there is no t: p is 1 for Δ = 0 and 0 otherwise, the
    /// interval is [Δ, Δ] and df is not reported.
    /// </summary>
    public static SeedAwareResult Welch(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count < 2 || b.Count < 2) return SeedAwareResult.NotComputable(WelchMethod, a.Count, b.Count);
        var ma = MeanSd.Of(a);
        var mb = MeanSd.Of(b);
        var difference = mb.Mean - ma.Mean;
        double va = ma.Sd * ma.Sd / a.Count, vb = mb.Sd * mb.Sd / b.Count;
        var se = Math.Sqrt(va + vb);
        if (se == 0)
            return new SeedAwareResult(WelchMethod, true, "", difference, difference, difference, difference == 0 ? 1 : 0, a.Count, b.Count);
        var t = difference / se;
        var df = (va + vb) * (va + vb) / (va * va / (a.Count - 1) + vb * vb / (b.Count - 1));
        var half = StudentT.Quantile(0.975, df) * se;
        return new SeedAwareResult(WelchMethod, true, "", difference, difference - half, difference + half, StudentT.TwoSidedP(t, df),
            a.Count, b.Count) { T = t, Df = df };
    }

    /// <summary>
    /// About how many seeds per configuration a two-sided Welch test at level <paramref name="alpha"/> needs to detect
    /// a true difference <paramref name="difference"/> with probability <paramref name="power"/>, given per-seed
    /// standard deviations <paramref name="sdA"/> and <paramref name="sdB"/>: the smallest n ≥ 2 with
    /// |Δ| / √((sd²_A + sd²_B)/n) ≥ t_{1−α/2, df} + t_{power, df}, df the Welch df of n seeds a side (the usual
    /// t-approximation of the noncentral t). A spread of 0 with Δ ≠ 0 gives 2 (the fewest a t-test takes); null when
    /// Δ = 0 (nothing to detect) or when more than <paramref name="cap"/> seeds would be needed.
    /// </summary>
    public static int? SeedsNeeded(double difference, double sdA, double sdB, double alpha = 0.05, double power = 0.8, int cap = 100_000)
    {
        // Each argument refused on its own, by name and value: an infinite sd used to pass "≥ 0" and fail later as
        // "df > 0" inside StudentT, naming an argument the caller never passed.
        if (!double.IsFinite(difference)) throw new ArgumentOutOfRangeException(nameof(difference), difference, "Power needs a finite Δ.");
        if (!(double.IsFinite(sdA) && sdA >= 0)) throw new ArgumentOutOfRangeException(nameof(sdA), sdA, "A per-seed sd must be finite and ≥ 0.");
        if (!(double.IsFinite(sdB) && sdB >= 0)) throw new ArgumentOutOfRangeException(nameof(sdB), sdB, "A per-seed sd must be finite and ≥ 0.");
        if (!(alpha > 0 && alpha < 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α lies in (0, 1).");
        if (!(power > 0 && power < 1)) throw new ArgumentOutOfRangeException(nameof(power), power, "Power lies in (0, 1).");
        if (difference == 0) return null;
        var variance = sdA * sdA + sdB * sdB;
        if (variance == 0) return 2;
        for (var n = 2; n <= cap; n++)
        {
            var df = (n - 1) * variance * variance / (Math.Pow(sdA, 4) + Math.Pow(sdB, 4));
            var needed = StudentT.Quantile(1 - alpha / 2, df) + StudentT.Quantile(power, df);
            if (Math.Abs(difference) / Math.Sqrt(variance / n) >= needed) return n;
        }
        return null;
    }

    // parameter: the caller's argument (aBySeed, bBySeed), so a refusal names what the caller passed
    private static double[] Matrix(IReadOnlyList<IReadOnlyList<int>> bySeed, IReadOnlyList<int> words, string side, string parameter)
    {
        if (bySeed.Count == 0) throw new ArgumentException($"Side {side} has no seeds.", parameter);
        var n = words.Count;
        var matrix = new double[bySeed.Count * n];
        for (var s = 0; s < bySeed.Count; s++)
        {
            var run = bySeed[s];
            if (run.Count != n) throw new ArgumentException($"A seed of side {side} has {run.Count} sentences, expected {n}.", parameter);
            for (var i = 0; i < n; i++)
            {
                if (run[i] < 0 || run[i] > words[i])
                    throw new ArgumentException($"Side {side}, seed {s}, sentence {i}: {run[i]} correct must lie within 0..{words[i]} words.", parameter);
                matrix[s * n + i] = run[i];
            }
        }
        return matrix;
    }

    private static double MeanAccuracy(double[] matrix, int seeds, long totalWords)
    {
        double sum = 0;
        for (var k = 0; k < matrix.Length; k++) sum += matrix[k];
        return sum / seeds / totalWords;
    }
}
