using POSLayerFreeze.Freezing;
using static POSLayerFreeze.Reporting.Format;

namespace POSLayerFreeze.Reporting;

/// <summary>
/// Claims the freezing literature makes about the plans of the <c>methods</c> suite, checked like the seed README's:
/// (a) gradual unfreezing (ULMFiT; Lightning's BackboneFinetuning) is no worse than fine-tuning everything, and
/// (b) pretraining is worth more than ten accuracy points (the <c>random-init</c> control against the baseline).
/// Each is made only when its configurations were run.
/// </summary>
public static class MethodClaims
{
    /// <summary>(b)'s margin: ten accuracy points (accuracies are fractions).</summary>
    public const double PretrainingMargin = 0.10;

    /// <summary>True for a claim this class makes (summary.md heads the claims table differently when there is one).</summary>
    public static bool IsMethodClaim(Claim claim) =>
        claim?.Id == PretrainingId || claim?.Id.EndsWith(NoWorseSuffix, StringComparison.Ordinal) == true;

    private const string PretrainingId = "pretraining-worth-10-points";
    private const string NoWorseSuffix = "-no-worse-than-baseline";

    public static IReadOnlyList<Claim> Of(IReadOnlyList<ConfigSummary> configs)
    {
        ArgumentNullException.ThrowIfNull(configs);
        var claims = new List<Claim>();
        var baseline = configs.FirstOrDefault(c => c.Config == "baseline");
        if (baseline is null) return claims;
        foreach (var gradual in configs.Where(c => Aggregation.KindOf(c.Config) == FreezeKind.Gradual && c.VersusBaseline is not null))
            claims.Add(NoWorse(gradual, baseline));
        if (configs.FirstOrDefault(c => c.Config == "random-init") is { } random)
        {
            var gain = baseline.TestAccuracy.Mean - random.TestAccuracy.Mean;
            claims.Add(new Claim(PretrainingId,
                "Pretraining is worth more than 10 accuracy points: the baseline's mean test accuracy exceeds random-init's by more than 10 points.",
                gain > PretrainingMargin, $"baseline − random-init = {Points(gain)}", gain)
            {
                Compared = [baseline.Config, random.Config],
                Power = Claims.AccuracyPower("baseline − random-init", baseline, random),
            });
        }
        return claims;
    }

    /// <summary>
    /// "No worse": the upper end of the 95% interval of Δ = gradual − baseline reaches 0 or above, so the data do not
    /// show it below the baseline. The interval is the seed-aware one where it can be computed (two or more seeds on
    /// each side), else the sentence bootstrap's, which ignores retraining noise; the statement says which.
    /// </summary>
    private static Claim NoWorse(ConfigSummary gradual, ConfigSummary baseline)
    {
        var sentences = gradual.VersusBaseline!;
        var seeds = gradual.SeedAware;
        var seedAware = seeds is { Computable: true };
        var upper = seedAware ? seeds!.Upper : sentences.Upper;
        var rule = seedAware
            ? "the seed-aware 95% interval of the difference reaches 0 or above"
            : "with one seed per configuration, the 95% sentence-bootstrap interval, which ignores retraining noise, reaches 0 or above";
        return new Claim(gradual.Config + NoWorseSuffix,
            $"Gradual unfreezing ({gradual.Config}) is no worse than the unfrozen baseline (rule: {rule}).",
            upper >= 0,
            $"{gradual.Config}: Δ = {Points(sentences.Difference)}; {(seedAware ? "seed-aware " + Interval(seeds!) : $"sentences [{Points(sentences.Lower)}, {Points(sentences.Upper)}]")}",
            sentences.Difference)
        {
            Compared = [gradual.Config, baseline.Config],
            Power = Claims.AccuracyPower($"{gradual.Config} − baseline", gradual, baseline),
        };
    }
}
