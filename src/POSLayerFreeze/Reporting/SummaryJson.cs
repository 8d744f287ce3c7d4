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
        return (configs, summary.ProfileName, summary.Model);
    }
}
