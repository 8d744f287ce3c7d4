using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using POSLayerFreeze.Evaluation;
using POSLayerFreeze.Runtime;

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
}

/// <summary>A qualitative statement of the seed README, checked against the numbers.</summary>
public sealed record Claim(string Id, string Statement, bool Holds, string Effect, double EffectSize)
{
    /// <summary>
    /// The two configurations whose difference <see cref="EffectSize"/> measures (first minus second, or the pair a
    /// bootstrap compares): their seed spreads, not the study's largest, set the golden tolerance of the effect.
    /// </summary>
    public IReadOnlyList<string> Compared { get; init; } = [];
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
                if (baseline.Length > 0 && g.Key != "baseline")
                {
                    versus = PairedBootstrap.CompareSeeds(
                        baseline.Select(r => (IReadOnlyList<int>)r.SentenceCorrect).ToArray(),
                        seeds.Select(r => (IReadOnlyList<int>)r.SentenceCorrect).ToArray(),
                        baseline[0].SentenceWords);
                }
                return new ConfigSummary(g.Key,
                    seeds[0].Metrics["frozen"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray(),
                    seeds[0].TrainableParameters, seeds.Select(r => r.Seed).ToArray(),
                    MeanSd.Of(seeds.Select(r => r.TestAccuracy).ToArray()), MeanSd.Of(seeds.Select(r => r.DevAccuracy).ToArray()),
                    MeanSd.Of(seeds.Select(r => r.MacroF1).ToArray()), MeanSd.Of(seeds.Select(r => r.TokensPerSecond).ToArray()), versus)
                {
                    TrainSeconds = MeanSd.Of(seeds.Select(r => r.TrainSeconds).ToArray()),
                };
            }).ToArray();
    }

    /// <summary>
    /// The seed README's claims: (1) freezing the best single layer beats the baseline (significantly: the 95%
    /// bootstrap interval excludes 0), (2) that layer is layer 1, (3) every other single-layer freeze stays within
    /// one accuracy point of the baseline ("similar or slightly lower"), (4) CLPF accuracy never rises as more
    /// bottom layers freeze, (5) freezing everything is worst.
    /// </summary>
    public static IReadOnlyList<Claim> Claims(IReadOnlyList<ConfigSummary> configs)
    {
        var claims = new List<Claim>();
        var baseline = configs.FirstOrDefault(c => c.Config == "baseline");
        var slpf = configs.Where(c => c.Config.StartsWith("slpf-", StringComparison.Ordinal)).ToArray();
        if (baseline is not null && slpf.Length > 0)
        {
            var best = slpf.OrderByDescending(c => c.TestAccuracy.Mean).ThenBy(c => OrderKey(c.Config)).First();
            var v = best.VersusBaseline!;
            claims.Add(new Claim("best-slpf-beats-baseline",
                "Freezing the best single layer beats the unfrozen baseline (95% bootstrap interval above 0).",
                v.Lower > 0, $"{best.Config}: Δ = {Points(v.Difference)} [{Points(v.Lower)}, {Points(v.Upper)}], p = {P(v.PValue)}", v.Difference)
            { Compared = [best.Config, baseline.Config] });
            claims.Add(new Claim("slpf-layer-1-best", "Layer 1 is the best layer to freeze alone.",
                best.Config == "slpf-1", $"best single-layer freeze: {best.Config}", Math.Round(best.TestAccuracy.Mean - baseline.TestAccuracy.Mean, 6))
            { Compared = [best.Config, baseline.Config] });
            var others = slpf.Where(c => c != best).ToArray();
            var worst = others.MinBy(c => c.TestAccuracy.Mean - baseline.TestAccuracy.Mean);
            var worstGap = worst is null ? 0 : worst.TestAccuracy.Mean - baseline.TestAccuracy.Mean;
            claims.Add(new Claim("other-slpf-similar", "Every other single-layer freeze is similar to or slightly below the baseline (within 1 point).",
                others.All(c => Math.Abs(c.TestAccuracy.Mean - baseline.TestAccuracy.Mean) <= SimilarWithin),
                $"largest gap among the others: {Points(worstGap)}", worstGap)
            { Compared = [(worst ?? best).Config, baseline.Config] });
        }
        var clpf = configs.Where(c => c.Config.StartsWith("clpf-", StringComparison.Ordinal) || c.Config == "all")
            .OrderBy(c => OrderKey(c.Config)).ToArray();
        if (clpf.Length >= 2)
        {
            var rises = clpf.Zip(clpf.Skip(1)).Where(p => p.Second.TestAccuracy.Mean > p.First.TestAccuracy.Mean).ToArray();
            var drop = clpf[^1].TestAccuracy.Mean - clpf[0].TestAccuracy.Mean;
            claims.Add(new Claim("clpf-degrades", "Accuracy declines as more layers are frozen together (CLPF prefixes, then all).",
                rises.Length == 0,
                rises.Length == 0 ? $"{clpf[0].Config} → {clpf[^1].Config}: {Points(drop)}"
                    : $"rises at {string.Join(", ", rises.Select(p => $"{p.First.Config} → {p.Second.Config}"))}; overall {Points(drop)}",
                drop)
            { Compared = [clpf[^1].Config, clpf[0].Config] });
        }
        var all = configs.FirstOrDefault(c => c.Config == "all");
        if (all is not null && configs.Count > 1)
        {
            var nextWorst = configs.Where(c => c != all).MinBy(c => c.TestAccuracy.Mean)!;
            var gap = all.TestAccuracy.Mean - nextWorst.TestAccuracy.Mean;
            claims.Add(new Claim("all-frozen-worst", "Freezing all layers gives the lowest accuracy.", gap < 0,
                $"all − {nextWorst.Config} = {Points(gap)}", gap)
            { Compared = [all.Config, nextWorst.Config] });
        }
        return claims;
    }

    /// <summary>Writes summary.json, summary.md, result.png and tradeoff.png for every finished run under <paramref name="outDir"/>.</summary>
    public static IReadOnlyList<ConfigSummary> Write(string outDir)
    {
        using var folderLock = Directory.Exists(outDir) ? ResultsLock.Acquire(outDir, option: "results folder") : null;
        var runs = Collect(outDir);
        if (runs.Count == 0) throw new InvalidDataException($"{outDir}: no finished runs, no */seed-*/{RunExecutor.MetricsFile}");
        var configs = Summarize(runs);
        var claims = Claims(configs);
        AtomicFile.WriteAllText(Path.Combine(outDir, JsonFile), Invariant.ToJson(ToJson(runs, configs, claims)) + "\n");
        AtomicFile.WriteAllText(Path.Combine(outDir, MarkdownFile), Markdown(runs, configs, claims));
        Figures.Write(outDir, configs, runs[0].ProfileName, runs[0].Metrics["model"]!.GetValue<string>());
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
        }).ToArray()),
        ["claims"] = new JsonArray(claims.Select(c => (JsonNode)new JsonObject
        {
            ["id"] = c.Id,
            ["statement"] = c.Statement,
            ["holds"] = c.Holds,
            ["effect"] = c.Effect,
            ["effect_size"] = c.EffectSize,
        }).ToArray()),
    };

    /// <summary>The numbers-changing choices of a profile in one line (batch order, optimizer, schedule, windows).</summary>
    public static string ProtocolLine(JsonNode profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        string Field(string name) => profile[name] is { } value ? value.ToJsonString().Trim('"') : "—";
        return $"batch order `{Field("batch_order")}`, {Field("epochs")} epoch(s) of batches of {Field("batch_size")}, "
            + $"AdamW lr {Field("learning_rate")} ({Field("schedule")}, warm-up ratio {Field("warmup_ratio")} / steps {Field("warmup_steps")}), "
            + $"weight decay {Field("weight_decay")} (exempt: {Field("weight_decay_exclude")}), max grad norm {Field("max_grad_norm")}, "
            + $"train sentences {Field("train_sentences")}, max length {Field("max_length")}";
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
        md.Append("\n## The seed README's claims\n\n| claim | outcome | effect |\n|---|---|---|\n");
        foreach (var claim in claims)
            md.Append(CultureInfo.InvariantCulture, $"| {claim.Statement} | {(claim.Holds ? "reproduced" : "not reproduced")} | {claim.Effect} |\n");
        md.Append("\n![result](result.png)\n\n![accuracy against trainable parameters and training time](tradeoff.png)\n");
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

    private static string Pct(MeanSd m) => m.N > 1
        ? string.Create(CultureInfo.InvariantCulture, $"{m.Mean * 100:F2} ± {m.Sd * 100:F2}")
        : string.Create(CultureInfo.InvariantCulture, $"{m.Mean * 100:F2}");

    private static string Points(double difference) => string.Create(CultureInfo.InvariantCulture, $"{difference * 100:+0.00;-0.00;0.00} pt");

    private static string P(double p) => p < 1e-4 ? "< 1e-4" : p.ToString("0.0000", CultureInfo.InvariantCulture);
}
