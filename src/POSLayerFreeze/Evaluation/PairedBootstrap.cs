using System.Text.Json.Nodes;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Evaluation;

/// <summary>
/// The outcome of a paired bootstrap over sentences. <see cref="Difference"/> is accuracy(B) − accuracy(A) over
/// all words; [<see cref="Lower"/>, <see cref="Upper"/>] its 95% percentile interval; <see cref="PValue"/> the
/// two-sided bootstrap p-value (see <see cref="PairedBootstrap"/>).
/// </summary>
public sealed record BootstrapResult(
    double Difference,
    double Lower,
    double Upper,
    double PValue,
    int Resamples,
    ulong Seed,
    int Sentences,
    long Words)
{
    /// <summary><c>{difference, ci_low, ci_high, p_value, resamples, seed, sentences, words}</c>.</summary>
    public JsonObject ToJson() => new()
    {
        ["difference"] = EvaluationJson.Number(Difference),
        ["ci_low"] = EvaluationJson.Number(Lower),
        ["ci_high"] = EvaluationJson.Number(Upper),
        ["p_value"] = EvaluationJson.Number(PValue),
        ["resamples"] = Resamples,
        // A JSON number cannot hold every ulong exactly in every reader; the seed is text.
        ["seed"] = Seed.ToString(Runtime.Invariant.Culture),
        ["sentences"] = Sentences,
        ["words"] = Words,
    };

    public static BootstrapResult FromJson(JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var seedText = node["seed"]?.GetValue<string>() ?? throw new FormatException("Bootstrap JSON has no 'seed'.");
        return new BootstrapResult(
            EvaluationJson.Double(node, "difference"),
            EvaluationJson.Double(node, "ci_low"),
            EvaluationJson.Double(node, "ci_high"),
            EvaluationJson.Double(node, "p_value"),
            (int)EvaluationJson.Long(node, "resamples"),
            ulong.Parse(seedText, Runtime.Invariant.Culture),
            (int)EvaluationJson.Long(node, "sentences"),
            EvaluationJson.Long(node, "words"));
    }
}

/// <summary>
/// Paired bootstrap over test sentences (Koehn 2004; Berg-Kirkpatrick et al. 2012): both systems tagged the same
/// sentences, so sentences are resampled with replacement and the accuracy difference recomputed on each resample.
/// </summary>
/// <remarks>
/// <para>Statistic: δ = (Σ correct_B − Σ correct_A) / Σ words, i.e. a difference of word-level (micro) accuracies;
/// a resample recomputes δ* with the same formula over the drawn sentences.</para>
/// <para>Interval: the 2.5th and 97.5th percentiles of δ* (linear interpolation between order statistics, NumPy's
/// default).</para>
/// <para>p-value: p = min(1, 2 · min(P*(δ* ≤ 0), P*(δ* ≥ 0))), the two-sided percentile-bootstrap p-value: how
/// often the resampled difference lands on the other side of zero, doubled. Its resolution is 1/resamples; 0 means
/// "below 1/resamples". Identical systems give p = 1.</para>
/// <para>Seeds: <see cref="CompareSeeds"/> averages each system's per-sentence correct counts over its seeds
/// before bootstrapping, so δ is the difference of seed-mean accuracies and the interval reflects which sentences
/// were sampled, not seed-to-seed variance (report the seed sd beside it).</para>
/// <para>Randomness: the project's <see cref="SplitMix64"/> seeded by <c>seed</c> (one draw of
/// <c>NextInt(sentences)</c> per resampled sentence), so a result is reproducible across machines and .NET versions.</para>
/// </remarks>
public static class PairedBootstrap
{
    public const int DefaultResamples = 10_000;
    public const ulong DefaultSeed = 20_240_601;

    /// <summary>Compares system B against system A from per-sentence correct-word counts.</summary>
    public static BootstrapResult Compare(
        IReadOnlyList<int> correctA,
        IReadOnlyList<int> correctB,
        IReadOnlyList<int> words,
        int resamples = DefaultResamples,
        ulong seed = DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(correctA);
        ArgumentNullException.ThrowIfNull(correctB);
        return Compare(correctA.Select(c => (double)c).ToArray(), correctB.Select(c => (double)c).ToArray(), words, resamples, seed);
    }

    /// <summary>
    /// Compares a configuration against the baseline, each run with several seeds: per-sentence correct counts are
    /// averaged over each side's seeds, then bootstrapped (B = configuration, A = baseline).
    /// </summary>
    public static BootstrapResult CompareSeeds(
        IReadOnlyList<IReadOnlyList<int>> baselineBySeed,
        IReadOnlyList<IReadOnlyList<int>> configBySeed,
        IReadOnlyList<int> words,
        int resamples = DefaultResamples,
        ulong seed = DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(words);
        return Compare(MeanOverSeeds(baselineBySeed, words.Count, "baseline"), MeanOverSeeds(configBySeed, words.Count, "config"),
            words, resamples, seed);
    }

    /// <summary>Compares B against A from per-sentence correct counts that may be fractional (seed means).</summary>
    public static BootstrapResult Compare(
        IReadOnlyList<double> correctA,
        IReadOnlyList<double> correctB,
        IReadOnlyList<int> words,
        int resamples = DefaultResamples,
        ulong seed = DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(correctA);
        ArgumentNullException.ThrowIfNull(correctB);
        ArgumentNullException.ThrowIfNull(words);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        var n = words.Count;
        if (correctA.Count != n || correctB.Count != n)
            throw new ArgumentException($"Per-sentence lists differ in length: A {correctA.Count}, B {correctB.Count}, words {n}.");
        if (n == 0) throw new ArgumentException("The bootstrap needs at least one sentence.", nameof(words));

        var gain = new double[n];
        long totalWords = 0;
        for (var i = 0; i < n; i++)
        {
            if (words[i] < 0) throw new ArgumentException($"Sentence {i} has a negative word count.", nameof(words));
            if (correctA[i] < 0 || correctA[i] > words[i] || correctB[i] < 0 || correctB[i] > words[i])
                throw new ArgumentException(
                    $"Sentence {i}: correct counts A {correctA[i]} and B {correctB[i]} must lie within 0..{words[i]} words.");
            gain[i] = correctB[i] - correctA[i];
            totalWords += words[i];
        }
        if (totalWords == 0) throw new ArgumentException("The sentences hold no words.", nameof(words));

        var difference = gain.Sum() / totalWords;
        var rng = new SplitMix64(seed);
        var deltas = new double[resamples];
        int atOrBelowZero = 0, atOrAboveZero = 0;
        for (var r = 0; r < resamples; r++)
        {
            double sumGain = 0;
            long sumWords = 0;
            for (var k = 0; k < n; k++)
            {
                var i = rng.NextInt(n);
                sumGain += gain[i];
                sumWords += words[i];
            }
            var delta = sumWords == 0 ? 0 : sumGain / sumWords;
            deltas[r] = delta;
            if (delta <= 0) atOrBelowZero++;
            if (delta >= 0) atOrAboveZero++;
        }
        Array.Sort(deltas);
        var pValue = Math.Min(1.0, 2.0 * Math.Min(atOrBelowZero, atOrAboveZero) / resamples);
        return new BootstrapResult(difference, Percentile(deltas, 0.025), Percentile(deltas, 0.975), pValue, resamples, seed, n, totalWords);
    }

    /// <summary>Percentile of sorted values with linear interpolation between order statistics (NumPy "linear").</summary>
    internal static double Percentile(double[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }

    private static double[] MeanOverSeeds(IReadOnlyList<IReadOnlyList<int>> bySeed, int sentences, string side)
    {
        ArgumentNullException.ThrowIfNull(bySeed, side);
        if (bySeed.Count == 0) throw new ArgumentException($"The {side} side has no seeds.", side);
        var mean = new double[sentences];
        foreach (var run in bySeed)
        {
            if (run.Count != sentences)
                throw new ArgumentException($"A {side} seed has {run.Count} sentences, expected {sentences}.", side);
            for (var i = 0; i < sentences; i++) mean[i] += run[i];
        }
        for (var i = 0; i < sentences; i++) mean[i] /= bySeed.Count;
        return mean;
    }
}
