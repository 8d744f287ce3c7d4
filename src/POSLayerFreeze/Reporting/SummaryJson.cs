using POSLayerFreeze.Evaluation;
using POSLayerFreeze.Experiments;

namespace POSLayerFreeze.Reporting;

/// <summary>summary.json: written from the runs, their statistics and the claims; read back for the figures alone.
/// The file's fields are <see cref="SweepSummary"/>, its text <see cref="SweepSummaryFile"/>.</summary>
public static class SummaryJson
{
    public static SweepSummary Of(IReadOnlyList<RunRecord> runs, IReadOnlyList<ConfigSummary> configs, IReadOnlyList<Claim> claims) => new()
    {
        Profile = (System.Text.Json.Nodes.JsonObject)runs[0].Metrics.Profile.DeepClone(),
        Model = runs[0].Metrics.Model,
        Treebank = runs[0].Metrics.Treebank is { } treebank ? RunMetricsFile.ToNode(treebank) : new() { ["name"] = runs[0].TreebankName },
        Device = runs[0].Metrics.Device,
        Runs = runs.Count,
        Configs = configs.Select(c => new SummaryConfig
        {
            Config = c.Config,
            Frozen = c.Frozen,
            TrainableParameters = c.TrainableParameters,
            Seeds = c.Seeds,
            TestAccuracy = c.TestAccuracy,
            DevAccuracy = c.DevAccuracy,
            TestMacroF1 = c.MacroF1,
            TrainTokensPerSecond = c.TokensPerSecond,
            TrainSeconds = c.TrainSeconds,
            VersusBaseline = c.VersusBaseline?.ToJson(),
            VersusBaselineSeedAware = c.SeedAware is null ? null : new SeedAwareComparison(c.SeedAware.ToJson(), c.Welch!.ToJson()),
            TrainSecondsPerStep = c.SecondsPerStep,
            TrainCpuSecondsPerStep = c.CpuSecondsPerStep,
        }).ToArray(),
        Claims = claims.Select(c => new SummaryClaim(c.Id, c.Statement, c.Holds, c.Effect, c.EffectSize, c.Power)).ToArray(),
        UncheckedClaims = Claims.Unchecked(configs).Select(u => new UncheckedClaim(u.Id, u.Reason)).ToArray(),
    };

    /// <summary>Reads the per-configuration statistics of a summary.json back; any missing field names the file and entry.</summary>
    public static (IReadOnlyList<ConfigSummary> Configs, string Profile, string Model) Read(string path)
    {
        var summary = SweepSummaryFile.Read(path);
        var configs = summary.Configs.Select(c => new ConfigSummary(c.Config, c.Frozen, c.TrainableParameters, c.Seeds,
                c.TestAccuracy, c.DevAccuracy, c.TestMacroF1, c.TrainTokensPerSecond,
                c.VersusBaseline is { } v ? BootstrapResult.FromJson(v) : null)
            {
                TrainSeconds = c.TrainSeconds,
            }).ToArray();
        if (configs.Length == 0) throw new InvalidDataException($"{path}: configs is empty");
        for (var i = 0; i < configs.Length; i++) EnsurePossible(path, $"configs[{i}]", configs[i]);
        return (configs, summary.ProfileName, summary.Model);
    }

    // A hand-edited summary (accuracy −5, 1e999 read as infinity) must not become a figure: every plotted value must
    // be one a run can produce. Accuracies and F1 are proportions; spreads and throughput are finite and ≥ 0.
    private static void EnsurePossible(string path, string at, ConfigSummary c)
    {
        void Check(string field, double value, double max)
        {
            if (!double.IsFinite(value) || value < 0 || value > max)
                throw new InvalidDataException($"{path}: {at}.{field} is {Runtime.Invariant.Format(value)}, which no run produces (expected {(double.IsPositiveInfinity(max) ? "a finite number ≥ 0" : "a number in [0, 1]")})");
        }
        foreach (var (name, stat, max) in new[] { ("test_accuracy", c.TestAccuracy, 1.0), ("dev_accuracy", c.DevAccuracy, 1.0), ("test_macro_f1", c.MacroF1, 1.0),
                     ("train_tokens_per_second", c.TokensPerSecond, double.PositiveInfinity) })
        {
            Check($"{name}.mean", stat.Mean, max);
            Check($"{name}.sd", stat.Sd, double.PositiveInfinity);
        }
    }
}
