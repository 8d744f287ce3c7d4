using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using POSLayerFreeze.Evaluation;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Experiments;

/// <summary>One finished run as read back from its folder.</summary>
public sealed record RunRecord(string Config, long Seed, string Directory, JsonObject Metrics, int[] SentenceCorrect, int[] SentenceWords)
{
    public double TestAccuracy => Metrics["test"]!["accuracy"]!.GetValue<double>();
    public double DevAccuracy => Metrics["dev"]!["accuracy"]!.GetValue<double>();
    public double MacroF1 => Metrics["test"]!["macro_f1"]!.GetValue<double>();
    public long TrainableParameters => Metrics["trainable_parameters"]!.GetValue<long>();
    public double TokensPerSecond => Metrics["train"]!["tokens_per_second"]!.GetValue<double>();
    public double TrainSeconds => Metrics["train"]!["seconds"]!.GetValue<double>();
    public string ProfileName => Metrics["profile"]!["name"]!.GetValue<string>();
    public string InputsHash => Metrics["inputs_hash"]!.GetValue<string>();
    public JsonObject Inputs => Metrics["inputs"]!.AsObject();
    public string Device => Metrics["device"]!.GetValue<string>();
    public int Steps => Metrics["train"]!["steps"]!.GetValue<int>();

    /// <summary>Process CPU seconds of the training call; null for runs made before it was recorded.</summary>
    public double? CpuSeconds => Metrics["train"]?["cpu_seconds"]?.GetValue<double>();

    /// <summary>The treebank's name; runs written before any treebank could be chosen were all UD English EWT.</summary>
    public string TreebankName => Metrics["treebank"]?["name"]?.GetValue<string>() ?? Data.EwtDataset.Name;
}

/// <summary>A results folder read back: the finished runs, and the run folders that are not (naming the file).</summary>
public sealed record FolderContents(IReadOnlyList<RunRecord> Runs, IReadOnlyList<RejectedRun> Rejected);

/// <summary>Statistics of one configuration across its seeds, with the comparison against the baseline.</summary>
public sealed record ConfigSummary(string Config, IReadOnlyList<string> Frozen, long TrainableParameters, IReadOnlyList<long> Seeds,
    MeanSd TestAccuracy, MeanSd DevAccuracy, MeanSd MacroF1, MeanSd TokensPerSecond, BootstrapResult? VersusBaseline)
{
    /// <summary>Wall time of training (train.seconds) across seeds; null in summaries written before it was recorded.</summary>
    public MeanSd? TrainSeconds { get; init; }

    /// <summary>Against the baseline, resampling seeds then sentences (not computable with one seed a side).</summary>
    public SeedAwareResult? SeedAware { get; init; }

    /// <summary>Against the baseline, Welch's t over per-seed test accuracies.</summary>
    public SeedAwareResult? Welch { get; init; }

    /// <summary>Device the runs trained on (<c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Optimizer steps of one run (the same for every seed of a profile).</summary>
    public int Steps { get; init; }

    /// <summary>Wall seconds per optimizer step, across seeds.</summary>
    public MeanSd SecondsPerStep { get; init; }

    /// <summary>Process CPU seconds per optimizer step, across seeds; null when a run lacks <c>train.cpu_seconds</c>.</summary>
    public MeanSd? CpuSecondsPerStep { get; init; }
}

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
/// Turns a results folder into summary.json, summary.md (table + claims) and result.png. Works on any folder of
/// finished runs: a single sweep, a merge of shards, or results copied together by hand.
/// </summary>
public static class Summary
{
    public const string JsonFile = "summary.json";
    public const string MarkdownFile = "summary.md";
    public const string FigureFile = "result.png";

    /// <summary>The finished, valid runs under <paramref name="outDir"/> (see <see cref="Inspect"/>).</summary>
    public static IReadOnlyList<RunRecord> Collect(string outDir) => Inspect(outDir).Runs;

    /// <summary>
    /// Every <c>CONFIG/seed-N</c> folder holding a metrics.json, validated by <see cref="RunReader"/>: a bad one is
    /// rejected (and so not finished: a sweep reruns it), never summarized.
    /// </summary>
    public static FolderContents Inspect(string outDir)
    {
        var runs = new List<RunRecord>();
        var rejected = new List<RejectedRun>();
        if (!Directory.Exists(outDir)) return new FolderContents(runs, rejected);
        foreach (var metricsPath in Directory.EnumerateFiles(outDir, RunExecutor.MetricsFile, SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var dir = Path.GetDirectoryName(metricsPath)!;
            if (!Path.GetFileName(dir).StartsWith("seed-", StringComparison.Ordinal)) continue;
            var (run, bad) = RunReader.Read(dir);
            if (run is not null) runs.Add(run);
            if (bad is not null) rejected.Add(bad);
        }
        return new FolderContents(runs, rejected);
    }

    /// <summary>
    /// Canonical display order: baseline, slpf by layer, clpf by size, all, then anything else. Only the order of
    /// the keys matters; each group has its own band so that no model depth can make two groups overlap: slpf-N is
    /// <see cref="SlpfBand"/> + N (N &lt; 900), clpf-… is <see cref="ClpfBand"/> + 10 per '+' (fewer than 200 joined
    /// units), and ties within a band fall back to the config name (see <see cref="Summarize"/>).
    /// </summary>
    public static int OrderKey(string config) => config switch
    {
        "baseline" => 0,
        "all" => AllKey,
        _ when config.StartsWith("slpf-", StringComparison.Ordinal) => SlpfBand + int.Parse(config[5..], CultureInfo.InvariantCulture),
        _ when config.StartsWith("clpf-", StringComparison.Ordinal) => ClpfBand + config.Count(c => c == '+') * 10,
        _ => OtherKey,
    };

    private const int SlpfBand = 100, ClpfBand = 1000, AllKey = 3000, OtherKey = 5000;

    /// <summary>
    /// "Similar to the baseline" in the seed README's claim (3): within one accuracy point. Accuracies are
    /// fractions, so one point is 0.01.
    /// </summary>
    public const double SimilarWithin = 0.01;

    public static IReadOnlyList<ConfigSummary> Summarize(IReadOnlyList<RunRecord> runs)
    {
        var profiles = runs.Select(r => r.ProfileName).Distinct().ToArray();
        if (profiles.Length > 1) throw new InvalidDataException($"results mix profiles ({string.Join(", ", profiles)}): summarize one profile at a time");
        var treebanks = runs.Select(r => r.TreebankName).Distinct().ToArray();
        if (treebanks.Length > 1) throw new InvalidDataException($"results mix treebanks ({string.Join(", ", treebanks)}): summarize one treebank at a time");
        RunInputs.EnsureOneExperiment(runs);
        var baseline = runs.Where(r => r.Config == "baseline").OrderBy(r => r.Seed).ToArray();
        return runs.GroupBy(r => r.Config)
            .OrderBy(g => OrderKey(g.Key)).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var seeds = g.OrderBy(r => r.Seed).ToArray();
                BootstrapResult? versus = null;
                SeedAwareResult? seedAware = null, welch = null;
                if (baseline.Length > 0 && g.Key != "baseline")
                {
                    var baselineBySeed = baseline.Select(r => (IReadOnlyList<int>)r.SentenceCorrect).ToArray();
                    var configBySeed = seeds.Select(r => (IReadOnlyList<int>)r.SentenceCorrect).ToArray();
                    versus = PairedBootstrap.CompareSeeds(baselineBySeed, configBySeed, baseline[0].SentenceWords);
                    seedAware = SeedAware.HierarchicalBootstrap(baselineBySeed, configBySeed, baseline[0].SentenceWords);
                    welch = SeedAware.Welch(baseline.Select(r => r.TestAccuracy).ToArray(), seeds.Select(r => r.TestAccuracy).ToArray());
                }
                var cpu = seeds.Select(r => r.CpuSeconds / r.Steps).ToArray();
                return new ConfigSummary(g.Key,
                    seeds[0].Metrics["frozen"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray(),
                    seeds[0].TrainableParameters, seeds.Select(r => r.Seed).ToArray(),
                    MeanSd.Of(seeds.Select(r => r.TestAccuracy).ToArray()), MeanSd.Of(seeds.Select(r => r.DevAccuracy).ToArray()),
                    MeanSd.Of(seeds.Select(r => r.MacroF1).ToArray()), MeanSd.Of(seeds.Select(r => r.TokensPerSecond).ToArray()), versus)
                {
                    TrainSeconds = MeanSd.Of(seeds.Select(r => r.TrainSeconds).ToArray()),
                    SeedAware = seedAware,
                    Welch = welch,
                    Device = seeds[0].Device,
                    Steps = seeds[0].Steps,
                    SecondsPerStep = MeanSd.Of(seeds.Select(r => r.TrainSeconds / r.Steps).ToArray()),
                    CpuSecondsPerStep = cpu.All(c => c is not null) ? MeanSd.Of(cpu.Select(c => c!.Value).ToArray()) : null,
                };
            }).ToArray();
    }

    /// <summary>
    /// The seed README's claims: (1) freezing the best single layer beats the baseline and (2) so does freezing
    /// layers 0 and 1 together (both significantly: the seed-aware 95% interval lies above 0; see
    /// <see cref="BeatsBaseline"/> for one seed), (3) the best single layer is layer 1, (4) every other single-layer
    /// freeze stays within one accuracy point of the baseline ("similar or slightly lower"), (5) CLPF accuracy never
    /// rises as more bottom layers freeze, (6) freezing everything is worst, (7) freezing saves training cost. Claims
    /// 3–6 compare seed means; each claim carries a power line saying how many seeds would resolve its comparison.
    /// </summary>
    public static IReadOnlyList<Claim> Claims(IReadOnlyList<ConfigSummary> configs)
    {
        var claims = new List<Claim>();
        var baseline = configs.FirstOrDefault(c => c.Config == "baseline");
        var slpf = configs.Where(c => c.Config.StartsWith("slpf-", StringComparison.Ordinal)).ToArray();
        if (baseline is not null && slpf.Length > 0)
        {
            var best = slpf.OrderByDescending(c => c.TestAccuracy.Mean).ThenBy(c => OrderKey(c.Config)).First();
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
        var clpf = configs.Where(c => c.Config.StartsWith("clpf-", StringComparison.Ordinal) || c.Config == "all")
            .OrderBy(c => OrderKey(c.Config)).ToArray();
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
        if (all is not null && configs.Count > 1)
        {
            var nextWorst = configs.Where(c => c != all).MinBy(c => c.TestAccuracy.Mean)!;
            var gap = all.TestAccuracy.Mean - nextWorst.TestAccuracy.Mean;
            claims.Add(new Claim("all-frozen-worst", "Freezing all layers gives the lowest accuracy.", gap < 0,
                $"all − {nextWorst.Config} = {Points(gap)}", gap)
            { Compared = [all.Config, nextWorst.Config], Power = AccuracyPower($"all − {nextWorst.Config}", all, nextWorst) });
        }
        if (CostChain(configs) is { } chain && CostMeasure(chain) is { } measure)
            claims.Add(SavesCost(chain, measure));
        return claims;
    }

    /// <summary>
    /// Claims that the results cannot decide, with the reason (for summary.md): today only the cost claim on CPU
    /// runs made before <c>train.cpu_seconds</c> was recorded.
    /// </summary>
    public static IReadOnlyList<(string Id, string Reason)> UncheckedClaims(IReadOnlyList<ConfigSummary> configs)
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
        var chain = configs.Where(c => c.Config == "baseline" || c.Config == "all" || c.Config.StartsWith("clpf-", StringComparison.Ordinal))
            .OrderBy(c => OrderKey(c.Config)).ToArray();
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

    private static string AccuracyPower(string what, ConfigSummary a, ConfigSummary b) =>
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

    private static string Interval(SeedAwareResult r) => r.Computable
        ? $"[{Points(r.Lower)}, {Points(r.Upper)}], p = {P(r.PValue)}"
        : "n/a (n=1)";

    /// <summary>Writes summary.json, summary.md, result.png, tradeoff.png and curves.png for every finished run under <paramref name="outDir"/>.</summary>
    public static IReadOnlyList<ConfigSummary> Write(string outDir)
    {
        using var folderLock = Directory.Exists(outDir) ? ResultsLock.Acquire(outDir, option: "results folder") : null;
        var runs = Collect(outDir);
        if (runs.Count == 0) throw new InvalidDataException($"{outDir}: no finished runs, no */seed-*/{RunExecutor.MetricsFile}");
        var configs = Summarize(runs);
        var claims = Claims(configs);
        AtomicFile.WriteAllText(Path.Combine(outDir, JsonFile), Invariant.ToJson(ToJson(runs, configs, claims)) + "\n");
        AtomicFile.WriteAllText(Path.Combine(outDir, MarkdownFile), Markdown(runs, configs, claims));
        Figures.Write(outDir, configs, runs[0].ProfileName, runs[0].Metrics["model"]!.GetValue<string>(), runs);
        return configs;
    }

    public static JsonObject ToJson(IReadOnlyList<RunRecord> runs, IReadOnlyList<ConfigSummary> configs, IReadOnlyList<Claim> claims) => new()
    {
        ["profile"] = runs[0].Metrics["profile"]!.DeepClone(),
        ["model"] = runs[0].Metrics["model"]!.GetValue<string>(),
        ["treebank"] = runs[0].Metrics["treebank"]?.DeepClone() ?? new JsonObject { ["name"] = runs[0].TreebankName },
        ["device"] = runs[0].Metrics["device"]!.GetValue<string>(),
        ["runs"] = runs.Count,
        ["configs"] = new JsonArray(configs.Select(c => (JsonNode)new JsonObject
        {
            ["config"] = c.Config,
            ["frozen"] = new JsonArray(c.Frozen.Select(f => (JsonNode)f).ToArray()),
            ["trainable_parameters"] = c.TrainableParameters,
            ["seeds"] = new JsonArray(c.Seeds.Select(s => (JsonNode)s).ToArray()),
            ["test_accuracy"] = c.TestAccuracy.ToJson(),
            ["dev_accuracy"] = c.DevAccuracy.ToJson(),
            ["test_macro_f1"] = c.MacroF1.ToJson(),
            ["train_tokens_per_second"] = c.TokensPerSecond.ToJson(),
            ["train_seconds"] = c.TrainSeconds?.ToJson(),
            ["versus_baseline"] = c.VersusBaseline?.ToJson(),
            ["versus_baseline_seed_aware"] = c.SeedAware is null ? null : new JsonObject
            {
                ["hierarchical_bootstrap"] = c.SeedAware.ToJson(),
                ["welch"] = c.Welch!.ToJson(),
            },
            ["train_seconds_per_step"] = c.SecondsPerStep.ToJson(),
            ["train_cpu_seconds_per_step"] = c.CpuSecondsPerStep?.ToJson(),
        }).ToArray()),
        ["claims"] = new JsonArray(claims.Select(c => (JsonNode)new JsonObject
        {
            ["id"] = c.Id,
            ["statement"] = c.Statement,
            ["holds"] = c.Holds,
            ["effect"] = c.Effect,
            ["effect_size"] = c.EffectSize,
            ["power"] = c.Power,
        }).ToArray()),
        ["unchecked_claims"] = new JsonArray(UncheckedClaims(configs).Select(u => (JsonNode)new JsonObject { ["id"] = u.Id, ["reason"] = u.Reason }).ToArray()),
    };

    /// <summary>The numbers-changing choices of a profile in one line (batch order, optimizer, schedule, windows), and
    /// when dev accuracy is measured.</summary>
    public static string ProtocolLine(JsonNode profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        string Field(string name) => profile[name] is { } value ? value.ToJsonString().Trim('"') : "—";
        return $"batch order `{Field("batch_order")}`, {Field("epochs")} epoch(s) of batches of {Field("batch_size")}, "
            + $"AdamW lr {Field("learning_rate")} ({Field("schedule")}, warm-up ratio {Field("warmup_ratio")} / steps {Field("warmup_steps")}), "
            + $"weight decay {Field("weight_decay")} (exempt: {Field("weight_decay_exclude")}), max grad norm {Field("max_grad_norm")}, "
            + $"train sentences {Field("train_sentences")}, max length {Field("max_length")}"
            // Not a number-changing choice, but it decides what the log and curves.png hold; absent means off.
            + (profile["eval_each_epoch"]?.GetValue<bool>() == true ? ", dev accuracy after every epoch" : ", dev accuracy after training")
            + string.Create(CultureInfo.InvariantCulture, $", loss logged every {profile["logging_steps"]?.GetValue<int>() ?? TrainingProfile.DefaultLoggingSteps} steps");
    }

    public static string Markdown(IReadOnlyList<RunRecord> runs, IReadOnlyList<ConfigSummary> configs, IReadOnlyList<Claim> claims)
    {
        var md = new StringBuilder();
        var first = runs[0].Metrics;
        md.Append(CultureInfo.InvariantCulture,
            $"# POSLayerFreeze results\n\nProfile `{first["profile"]!["name"]}` (v{first["profile"]!["version"]}), model `{first["model"]}`, device `{first["device"]}`, {runs.Count} run(s). ")
          .Append(CultureInfo.InvariantCulture, $"Protocol: {ProtocolLine(first["profile"]!)}.\n\n")
          .Append(CultureInfo.InvariantCulture, $"Test accuracy over every UPOS-bearing word of {runs[0].TreebankName} test; Δ is against the baseline with a 95% paired bootstrap interval over test sentences (seed-averaged).\n\n")
          .Append(TreebankTable(first))
          .Append("| config | frozen | trainable params | seeds | test acc (mean ± sd) | dev acc | test macro-F1 | Δ vs baseline [95% CI] | p | train tokens/s |\n")
          .Append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var c in configs)
        {
            var delta = c.VersusBaseline is { } v ? $"{Points(v.Difference)} [{Points(v.Lower)}, {Points(v.Upper)}]" : "—";
            var p = c.VersusBaseline is { } vb ? P(vb.PValue) : "—";
            md.Append(CultureInfo.InvariantCulture,
                $"| {c.Config} | {(c.Frozen.Count == 0 ? "—" : string.Join(" ", c.Frozen))} | {c.TrainableParameters:N0} | {c.Seeds.Count} | {Pct(c.TestAccuracy)} | {Pct(c.DevAccuracy)} | {Pct(c.MacroF1)} | {delta} | {p} | {c.TokensPerSecond.Mean:N0} |\n");
        }
        SeedAwareTable(md, configs);
        CostTable(md, configs);
        md.Append("\n## The seed README's claims\n\n| claim | outcome | effect | power |\n|---|---|---|---|\n");
        foreach (var claim in claims)
            md.Append(CultureInfo.InvariantCulture, $"| {claim.Statement} | {(claim.Holds ? "reproduced" : "not reproduced")} | {claim.Effect} | {claim.Power} |\n");
        foreach (var (id, reason) in UncheckedClaims(configs))
            md.Append(CultureInfo.InvariantCulture, $"\nNot checked: `{id}`: {reason}.\n");
        md.Append("\n![result](result.png)\n\n![accuracy against trainable parameters and training time](tradeoff.png)\n")
          .Append("\n![training loss per step and dev accuracy per epoch](curves.png)\n");
        return md.ToString();
    }

    /// <summary>The files the runs read: name, per split counts (words as the CoNLL 2018 scorer counts them) and sha256.</summary>
    private static string TreebankTable(JsonObject metrics)
    {
        if (metrics["treebank"] is not JsonObject treebank) return "";
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"Treebank `{treebank["name"]}`")
          .Append(metrics["train"]?["sentences"] is { } used ? string.Create(CultureInfo.InvariantCulture, $"; trained on {used.GetValue<int>():N0} train sentences ({metrics["train"]?["words"]?.GetValue<int>() ?? 0:N0} words)") : "")
          .Append(":\n\n| split | file | sentences | words | multiword tokens | empty nodes | sha256 |\n|---|---|---:|---:|---:|---:|---|\n");
        foreach (var split in Data.Treebank.SplitNames)
        {
            if (treebank[split] is not JsonObject s) continue;
            md.Append(CultureInfo.InvariantCulture,
                $"| {split} | {s["file"]} | {s["sentences"]!.GetValue<int>():N0} | {s["words"]!.GetValue<int>():N0} | {s["multiword_tokens"]!.GetValue<int>():N0} | {s["empty_nodes"]!.GetValue<int>():N0} | `{s["sha256"]}` |\n");
        }
        return md.Append('\n').ToString();
    }

    /// <summary>Every configuration against the baseline under the three rules (docs/results.md says what each interval means).</summary>
    private static void SeedAwareTable(StringBuilder md, IReadOnlyList<ConfigSummary> configs)
    {
        var compared = configs.Where(c => c.SeedAware is not null).ToArray();
        if (compared.Length == 0) return;
        md.Append("\n## Against the baseline: test sentences only, and with retraining noise\n\n")
          .Append("Sentence bootstrap: seed-averaged counts, test sentences resampled (which sentences were drawn). Seed-aware: a hierarchical bootstrap ")
          .Append("that resamples each configuration's seeds, then test sentences (the claims decide on this one), and Welch's t over per-seed accuracies. ")
          .Append("Both need at least two seeds a side; with one seed they cannot be computed (n=1).\n\n")
          .Append("| config | seeds | Δ | sentence bootstrap [95%], p | hierarchical bootstrap [95%], p | Welch t [95%], p (df) |\n")
          .Append("|---|---:|---:|---:|---:|---:|\n");
        foreach (var c in compared)
        {
            var v = c.VersusBaseline!;
            var welch = c.Welch!.Computable && double.IsFinite(c.Welch.Df)
                ? string.Create(CultureInfo.InvariantCulture, $"{Interval(c.Welch)} ({c.Welch.Df:0.0})")
                : Interval(c.Welch);
            md.Append(CultureInfo.InvariantCulture,
                $"| {c.Config} | {c.Seeds.Count} | {Points(v.Difference)} | [{Points(v.Lower)}, {Points(v.Upper)}], p = {P(v.PValue)} | {Interval(c.SeedAware!)} | {welch} |\n");
        }
    }

    /// <summary>Cost per configuration: trainable parameters and time per step, each also as a ratio to the baseline.</summary>
    private static void CostTable(StringBuilder md, IReadOnlyList<ConfigSummary> configs)
    {
        var b = configs.FirstOrDefault(c => c.Config == "baseline");
        md.Append("\n## Training cost\n\nPer optimizer step; CPU-seconds are the process's CPU time over the training call (all threads), ")
          .Append("the measure that holds on shared cores. ×: ratio to the baseline.\n\n")
          .Append("| config | trainable params (×) | steps per run | wall s/step (×) | CPU s/step (×) |\n|---|---:|---:|---:|---:|\n");
        static string Ratio(double value, double? of) => of is > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({value / of.Value:0.000}×)") : "";
        foreach (var c in configs)
        {
            var cpu = c.CpuSecondsPerStep is { } m
                ? string.Create(CultureInfo.InvariantCulture, $"{m.Mean:0.0000}{Ratio(m.Mean, b?.CpuSecondsPerStep?.Mean)}")
                : "not recorded";
            md.Append(CultureInfo.InvariantCulture,
                $"| {c.Config} | {c.TrainableParameters:N0}{Ratio(c.TrainableParameters, b?.TrainableParameters)} | {c.Steps} | {c.SecondsPerStep.Mean:0.0000}{Ratio(c.SecondsPerStep.Mean, b?.SecondsPerStep.Mean)} | {cpu} |\n");
        }
    }

    private static string Pct(MeanSd m) => m.N > 1
        ? string.Create(CultureInfo.InvariantCulture, $"{m.Mean * 100:F2} ± {m.Sd * 100:F2}")
        : string.Create(CultureInfo.InvariantCulture, $"{m.Mean * 100:F2}");

    private static string Points(double difference) => string.Create(CultureInfo.InvariantCulture, $"{difference * 100:+0.00;-0.00;0.00} pt");

    private static string P(double p) => p < 1e-4 ? "< 1e-4" : p.ToString("0.0000", CultureInfo.InvariantCulture);
}
