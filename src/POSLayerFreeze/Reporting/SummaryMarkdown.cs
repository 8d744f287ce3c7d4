using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Training;
using static POSLayerFreeze.Reporting.Format;

namespace POSLayerFreeze.Reporting;

/// <summary>summary.md: the protocol, the treebank, the table per configuration, the seed-aware comparisons, the
/// training cost, the claims and the figures.</summary>
public static class SummaryMarkdown
{
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
            // Absent means fp32 (the protocol of record); bf16 is said, since its numbers are its own.
            + (profile["precision"] is { } precision ? $", {precision.GetValue<string>()} matmuls (fp32 master weights)" : "")
            // Not a number-changing choice, but it decides what the log and curves.png hold; absent means off.
            + (profile["eval_each_epoch"]?.GetValue<bool>() == true ? ", dev accuracy after every epoch" : ", dev accuracy after training")
            + string.Create(CultureInfo.InvariantCulture, $", loss logged every {profile["logging_steps"]?.GetValue<int>() ?? TrainingProfile.DefaultLoggingSteps} steps");
    }

    public static string Of(IReadOnlyList<RunRecord> runs, IReadOnlyList<ConfigSummary> configs, IReadOnlyList<Claim> claims)
    {
        var md = new StringBuilder();
        var first = runs[0].Metrics;
        md.Append(CultureInfo.InvariantCulture,
            $"# POSLayerFreeze results\n\nProfile `{first.ProfileName}` (v{first.ProfileVersion}), model `{first.Model}`, device `{first.Device}`, {runs.Count} run(s). ")
          .Append(CultureInfo.InvariantCulture, $"Protocol: {ProtocolLine(first.Profile)}.\n\n")
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
        ScheduleTable.Append(md, runs, configs);
        // The literature's claims about the methods suite join the table only where their configurations ran; the
        // heading says so then, and stays as it was for every study without them.
        var literature = claims.Any(MethodClaims.IsMethodClaim);
        md.Append(literature
            ? "\n## Claims: the seed README's, and the freezing literature's about these methods\n\n| claim | outcome | effect | power |\n|---|---|---|---|\n"
            : "\n## The seed README's claims\n\n| claim | outcome | effect | power |\n|---|---|---|---|\n");
        foreach (var claim in claims)
            md.Append(CultureInfo.InvariantCulture, $"| {claim.Statement} | {(claim.Holds ? "reproduced" : "not reproduced")} | {claim.Effect} | {claim.Power} |\n");
        foreach (var (id, reason) in Claims.Unchecked(configs))
            md.Append(CultureInfo.InvariantCulture, $"\nNot checked: `{id}`: {reason}.\n");
        md.Append("\n![result](result.png)\n\n![accuracy against trainable parameters and training time](tradeoff.png)\n")
          .Append("\n![training loss per step and dev accuracy per epoch](curves.png)\n");
        return md.ToString();
    }

    /// <summary>The files the runs read: name, per split counts (words as the CoNLL 2018 scorer counts them) and sha256.</summary>
    private static string TreebankTable(RunMetrics metrics)
    {
        if (metrics.Treebank is not { } treebank) return "";
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"Treebank `{treebank.Name}`")
          .Append(metrics.Train.Sentences is { } used ? string.Create(CultureInfo.InvariantCulture, $"; trained on {used:N0} train sentences ({metrics.Train.Words ?? 0:N0} words)") : "")
          .Append(":\n\n| split | file | sentences | words | multiword tokens | empty nodes | sha256 |\n|---|---|---:|---:|---:|---:|---|\n");
        foreach (var (split, s) in treebank.Splits)
            md.Append(CultureInfo.InvariantCulture,
                $"| {split} | {s.File} | {s.Sentences:N0} | {s.Words:N0} | {s.MultiwordTokens:N0} | {s.EmptyNodes:N0} | `{s.Sha256}` |\n");
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
}
