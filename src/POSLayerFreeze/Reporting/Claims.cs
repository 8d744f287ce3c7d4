using System.Globalization;
using POSLayerFreeze.Evaluation;
using POSLayerFreeze.Freezing;
using POSLayerFreeze.Runtime;
using static POSLayerFreeze.Reporting.Format;

namespace POSLayerFreeze.Reporting;

/// <summary>A qualitative statement of the seed README, checked against the numbers.</summary>
public sealed record Claim(string Id, string Statement, bool Holds, string Effect, double EffectSize)
{
    /// <summary>
    /// The two configurations whose difference <see cref="EffectSize"/> measures (first minus second, or the pair a
    /// bootstrap compares): their seed spreads, not the study's largest, set the golden tolerance of the effect.
    /// </summary>
    public IReadOnlyList<string> Compared { get; init; } = [];

    /// <summary>About how many seeds would resolve the claim's deciding comparison, from the measured seed spread.</summary>
    public string Power { get; init; } = "";

    /// <summary>True when <see cref="EffectSize"/> is a ratio of training costs, not a difference of accuracies.</summary>
    public bool EffectIsCostRatio { get; init; }

    /// <summary>For a cost claim, the part of <see cref="Claim.Holds"/> that is deterministic: trainable parameters
    /// fall at every step of the chain (the time part rests on measured seconds).</summary>
    public bool? ParametersFall { get; init; }
}

/// <summary>
/// The seed README's qualitative statements, each checked against a study's per-configuration statistics. A new
/// claim is one more method here and one line in <see cref="Of"/>.
/// </summary>
public static class Claims
{
    /// <summary>
    /// "Similar to the baseline" in the seed README's claim (3): within one accuracy point. Accuracies are
    /// fractions, so one point is 0.01.
    /// </summary>
    public const double SimilarWithin = 0.01;

    /// <summary>
    /// The seed README's claims: (1) freezing the best single layer beats the baseline and (2) so does freezing
    /// layers 0 and 1 together (both significantly: the seed-aware 95% interval lies above 0; see
    /// <see cref="BeatsBaseline"/> for one seed), (3) the best single layer is layer 1, (4) every other single-layer
    /// freeze stays within one accuracy point of the baseline ("similar or slightly lower"), (5) CLPF accuracy never
    /// rises as more bottom layers freeze, (6) freezing everything is worst, (7) freezing saves training cost. Claims
    /// 3–6 compare seed means; each claim carries a power line saying how many seeds would resolve its comparison.
    /// </summary>
    public static IReadOnlyList<Claim> Of(IReadOnlyList<ConfigSummary> configs)
    {
        var claims = new List<Claim>();
        var baseline = configs.FirstOrDefault(c => c.Config == "baseline");
        var slpf = configs.Where(c => Aggregation.KindOf(c.Config) == FreezeKind.SingleLayer).ToArray();
        if (baseline is not null && slpf.Length > 0)
        {
            var best = slpf.OrderByDescending(c => c.TestAccuracy.Mean).ThenBy(c => Aggregation.OrderKey(c.Config)).First();
            claims.Add(BeatsBaseline("best-slpf-beats-baseline", "Freezing the best single layer beats the unfrozen baseline", best, baseline));
            var layer1 = slpf.FirstOrDefault(c => c.Config == "slpf-1");
            var rival = best.Config == "slpf-1" ? slpf.Where(c => c != best).OrderByDescending(c => c.TestAccuracy.Mean).FirstOrDefault() : best;
            claims.Add(new Claim("slpf-layer-1-best", "Layer 1 is the best layer to freeze alone.",
                best.Config == "slpf-1", $"best single-layer freeze: {best.Config}", Math.Round(best.TestAccuracy.Mean - baseline.TestAccuracy.Mean, 6))
            {
                Compared = [best.Config, baseline.Config],
                Power = layer1 is null || rival is null ? "no comparison: slpf-1 or a second single-layer freeze is missing"
                    : AccuracyPower($"slpf-1 − {rival.Config}", layer1, rival),
            });
            var others = slpf.Where(c => c != best).ToArray();
            var worst = others.MinBy(c => c.TestAccuracy.Mean - baseline.TestAccuracy.Mean);
            var worstGap = worst is null ? 0 : worst.TestAccuracy.Mean - baseline.TestAccuracy.Mean;
            // The deciding comparison of a margin claim: the other freeze whose gap lies closest to the ±1 point margin.
            var closest = others.MinBy(c => Math.Abs(SimilarWithin - Math.Abs(c.TestAccuracy.Mean - baseline.TestAccuracy.Mean)));
            claims.Add(new Claim("other-slpf-similar", "Every other single-layer freeze is similar to or slightly below the baseline (within 1 point).",
                others.All(c => Math.Abs(c.TestAccuracy.Mean - baseline.TestAccuracy.Mean) <= SimilarWithin),
                $"largest gap among the others: {Points(worstGap)}", worstGap)
            {
                Compared = [(worst ?? best).Config, baseline.Config],
                Power = closest is null ? "no comparison: no other single-layer freeze"
                    : PowerLine($"the distance of {closest.Config}'s gap from the 1-point margin",
                        SimilarWithin - Math.Abs(closest.TestAccuracy.Mean - baseline.TestAccuracy.Mean), closest.TestAccuracy, baseline.TestAccuracy, Points, SpreadPoints),
            });
        }
        var clpfZeroOne = configs.FirstOrDefault(c => c.Config == "clpf-0+1");
        if (baseline is not null && clpfZeroOne is not null)
            claims.Add(BeatsBaseline("best-clpf-beats-baseline", "Freezing layers 0 and 1 together (the seed README's best CLPF) beats the unfrozen baseline",
                clpfZeroOne, baseline));
        var clpf = configs.Where(c => Aggregation.KindOf(c.Config) is FreezeKind.Compound or FreezeKind.All)
            .OrderBy(c => Aggregation.OrderKey(c.Config)).ToArray();
        if (clpf.Length >= 2)
        {
            var steps = clpf.Zip(clpf.Skip(1)).ToArray();
            var rises = steps.Where(p => p.Second.TestAccuracy.Mean > p.First.TestAccuracy.Mean).ToArray();
            var drop = clpf[^1].TestAccuracy.Mean - clpf[0].TestAccuracy.Mean;
            var closest = steps.MinBy(p => Math.Abs(p.Second.TestAccuracy.Mean - p.First.TestAccuracy.Mean));
            claims.Add(new Claim("clpf-degrades", "Accuracy declines as more layers are frozen together (CLPF prefixes, then all).",
                rises.Length == 0,
                rises.Length == 0 ? $"{clpf[0].Config} → {clpf[^1].Config}: {Points(drop)}"
                    : $"rises at {string.Join(", ", rises.Select(p => $"{p.First.Config} → {p.Second.Config}"))}; overall {Points(drop)}",
                drop)
            {
                Compared = [clpf[^1].Config, clpf[0].Config],
                Power = AccuracyPower($"the smallest step, {closest.Second.Config} − {closest.First.Config}", closest.Second, closest.First),
            });
        }
        var all = configs.FirstOrDefault(c => c.Config == "all");
        // A claim about freezing: the controls (a random encoder, a shallower one) are no rivals here.
        var rivals = configs.Where(c => c != all && !Aggregation.IsControl(c.Config)).ToArray();
        if (all is not null && rivals.Length > 0)
        {
            var nextWorst = rivals.MinBy(c => c.TestAccuracy.Mean)!;
            var gap = all.TestAccuracy.Mean - nextWorst.TestAccuracy.Mean;
            claims.Add(new Claim("all-frozen-worst", "Freezing all layers gives the lowest accuracy.", gap < 0,
                $"all − {nextWorst.Config} = {Points(gap)}", gap)
            { Compared = [all.Config, nextWorst.Config], Power = AccuracyPower($"all − {nextWorst.Config}", all, nextWorst) });
        }
        if (CostChain(configs) is { } chain && CostMeasure(chain) is { } measure)
            claims.Add(SavesCost(chain, measure));
        // The freezing literature's claims about schedules and the controls (the `methods` suite), where their
        // configurations were run; a study without them gets exactly the seed README's claims.
        claims.AddRange(MethodClaims.Of(configs));
        return claims;
    }

    /// <summary>
    /// Claims that the results cannot decide, with the reason (for summary.md): today only the cost claim on CPU
    /// runs made before <c>train.cpu_seconds</c> was recorded.
    /// </summary>
    public static IReadOnlyList<(string Id, string Reason)> Unchecked(IReadOnlyList<ConfigSummary> configs)
    {
        ArgumentNullException.ThrowIfNull(configs);
        if (CostChain(configs) is { } chain && CostMeasure(chain) is null)
            return [("freezing-saves-training-cost", "the CPU runs lack train.cpu_seconds (made before it was recorded); wall time on shared cores does not decide it")];
        return [];
    }

    /// <summary>
    /// <paramref name="config"/> beats the baseline. Rule: the seed-aware 95% interval (hierarchical bootstrap over
    /// seeds, then test sentences) lies above 0. With a single seed on either side that interval cannot be computed,
    /// and the claim then decides on the sentence-bootstrap interval, saying in its statement that retraining noise
    /// is not counted — a different, weaker rule, so the statement (a golden fact) changes with it.
    /// </summary>
    private static Claim BeatsBaseline(string id, string what, ConfigSummary config, ConfigSummary baseline)
    {
        var sentences = config.VersusBaseline!;
        var seeds = config.SeedAware!;
        var welch = config.Welch!;
        var statement = seeds.Computable
            ? $"{what} (rule: the seed-aware 95% interval, a hierarchical bootstrap over seeds then test sentences, lies above 0)."
            : $"{what} (rule: with one seed per configuration the seed-aware interval cannot be computed (n=1), so the 95% sentence-bootstrap interval, which ignores retraining noise, must lie above 0).";
        var holds = seeds.Computable ? seeds.Lower > 0 : sentences.Lower > 0;
        var effect = $"{config.Config}: Δ = {Points(sentences.Difference)}; seed-aware {Interval(seeds)}; Welch {Interval(welch)}; "
            + $"sentences only [{Points(sentences.Lower)}, {Points(sentences.Upper)}], p = {P(sentences.PValue)}";
        return new Claim(id, statement, holds, effect, sentences.Difference)
        {
            Compared = [config.Config, baseline.Config],
            Power = AccuracyPower($"{config.Config} − baseline", config, baseline),
        };
    }

    /// <summary>The CLPF chain of the cost claim: baseline, CLPF prefixes by size, then all; null without baseline and one more.</summary>
    private static ConfigSummary[]? CostChain(IReadOnlyList<ConfigSummary> configs)
    {
        var chain = configs.Where(c => Aggregation.KindOf(c.Config) is FreezeKind.Baseline or FreezeKind.Compound or FreezeKind.All)
            .OrderBy(c => Aggregation.OrderKey(c.Config)).ToArray();
        return chain.Length >= 2 && chain[0].Config == "baseline" ? chain : null;
    }

    /// <summary>
    /// Cost per step and its name: on CPU process CPU-seconds (stable on shared cores, where wall time depends on the
    /// neighbours), on CUDA wall seconds (the GPU is the resource; CPU time there is the host's launch loop). Null when
    /// a CPU run did not record CPU time.
    /// </summary>
    private static (string Name, Func<ConfigSummary, MeanSd> Of)? CostMeasure(ConfigSummary[] chain)
    {
        if (chain.Any(c => DevicePolicy.IsCuda(c.Device)))
            return ("wall seconds per step", c => c.SecondsPerStep);
        if (chain.Any(c => c.CpuSecondsPerStep is null)) return null;
        return ("CPU-seconds per step", c => c.CpuSecondsPerStep!.Value);
    }

    /// <summary>
    /// Freezing saves training cost: along baseline → CLPF prefixes → all, both the trainable parameters and the cost
    /// per step fall at every step. Effect size: the largest ratio cost(next)/cost(previous) — the weakest saving,
    /// below 1 when the claim holds; the effect text lists each configuration's ratios to the baseline.
    /// </summary>
    private static Claim SavesCost(ConfigSummary[] chain, (string Name, Func<ConfigSummary, MeanSd> Of) measure)
    {
        var b = chain[0];
        var steps = chain.Zip(chain.Skip(1)).ToArray();
        var costRises = steps.Where(p => measure.Of(p.Second).Mean >= measure.Of(p.First).Mean).ToArray();
        var paramRises = steps.Where(p => p.Second.TrainableParameters >= p.First.TrainableParameters).ToArray();
        var weakest = steps.MaxBy(p => measure.Of(p.Second).Mean / measure.Of(p.First).Mean);
        var ratio = measure.Of(weakest.Second).Mean / measure.Of(weakest.First).Mean;
        var perConfig = string.Join("; ", chain.Skip(1).Select(c => string.Create(CultureInfo.InvariantCulture,
            $"{c.Config} {measure.Of(c).Mean / measure.Of(b).Mean:0.000}× time, {(double)c.TrainableParameters / b.TrainableParameters:0.0000}× params")));
        var problems = costRises.Select(p => $"{measure.Name} rises at {p.First.Config} → {p.Second.Config}")
            .Concat(paramRises.Select(p => $"trainable parameters rise at {p.First.Config} → {p.Second.Config}")).ToArray();
        var effect = (problems.Length > 0 ? string.Join("; ", problems) + ". " : "")
            + string.Create(CultureInfo.InvariantCulture, $"× baseline ({measure.Of(b).Mean:0.0000} s/step): {perConfig}");
        return new Claim("freezing-saves-training-cost",
            $"Freezing saves training cost: trainable parameters and {measure.Name} fall at every step as more layers are frozen together (baseline, CLPF prefixes, then all).",
            costRises.Length == 0 && paramRises.Length == 0, effect, Math.Round(ratio, 6))
        {
            EffectIsCostRatio = true,
            ParametersFall = paramRises.Length == 0,
            Compared = [weakest.Second.Config, weakest.First.Config],
            Power = PowerLine($"the weakest saving, {weakest.First.Config} − {weakest.Second.Config} in {measure.Name}",
                measure.Of(weakest.First).Mean - measure.Of(weakest.Second).Mean, measure.Of(weakest.First), measure.Of(weakest.Second),
                Seconds, Seconds),
        };
    }

    internal static string AccuracyPower(string what, ConfigSummary a, ConfigSummary b) =>
        PowerLine(what, a.TestAccuracy.Mean - b.TestAccuracy.Mean, a.TestAccuracy, b.TestAccuracy, Points, SpreadPoints);

    private static string SpreadPoints(double sd) => string.Create(CultureInfo.InvariantCulture, $"{sd * 100:0.00} pt");

    private static string Seconds(double seconds) => string.Create(CultureInfo.InvariantCulture, $"{seconds:0.0000} s");

    /// <summary>
    /// "About n seeds per configuration" to detect <paramref name="difference"/> with a two-sided Welch test at
    /// α = 0.05 with 80% power, from the seed sds measured (<see cref="SeedAware.SeedsNeeded"/>). With one seed no
    /// spread is measured, and the line says so instead of guessing.
    /// </summary>
    private static string PowerLine(string what, double difference, MeanSd a, MeanSd b, Func<double, string> format, Func<double, string> formatSd)
    {
        if (a.N < 2 || b.N < 2)
            return $"cannot be estimated: {Math.Min(a.N, b.N)} seed per configuration measures no seed-to-seed spread";
        var spread = $"seed sd {formatSd(a.Sd)} and {formatSd(b.Sd)} over {a.N} and {b.N} seeds";
        if (difference == 0) return $"{what} is exactly 0: no difference to detect ({spread})";
        var n = SeedAware.SeedsNeeded(difference, a.Sd, b.Sd);
        var needed = n is { } k ? string.Create(CultureInfo.InvariantCulture, $"about {k:N0} seeds per configuration") : "more than 100,000 seeds per configuration";
        return $"{needed} to detect {what} = {format(difference)} (two-sided Welch t, α = 0.05, 80% power; {spread})";
    }
}
