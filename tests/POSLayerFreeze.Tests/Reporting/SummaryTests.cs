using System.Text.Json.Nodes;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Reporting;
using POSLayerFreeze.Tests.Experiments;

namespace POSLayerFreeze.Tests.Reporting;

/// <summary>Summary, claims and the figure on hand-written run folders with known numbers.</summary>
public class SummaryTests
{
    /// <summary>
    /// 50 test sentences of 10 words; correct words per sentence for each config (one seed each unless noted). Cost:
    /// 10 steps; CPU seconds 100 for the baseline, then <paramref name="clpfCpu"/> per CLPF prefix and 30 for all;
    /// trainable parameters 1000, 800, 600, … and 10 for all (null CPU seconds: runs made before they were recorded).
    /// </summary>
    private static string WriteStudy(int slpf0, int slpf1, int[] clpf, int all, bool mixedSlpf1 = false, double[]? clpfCpu = null,
        bool recordCpu = true)
    {
        var dir = TinyWorld.TempDir("summary");
        var (baseline, words) = SyntheticRuns.Uniform(8);
        double? Cpu(double seconds) => recordCpu ? seconds : null;
        SyntheticRuns.Write(dir, "baseline", 42, baseline, words, cpuSeconds: Cpu(100), steps: 10);
        SyntheticRuns.Write(dir, "baseline", 43, baseline, words, cpuSeconds: Cpu(100), steps: 10);
        SyntheticRuns.Write(dir, "slpf-0", 42, SyntheticRuns.Uniform(slpf0).Correct, words);
        var best = SyntheticRuns.Uniform(slpf1).Correct;
        // Gains on half the sentences, equal losses on the other half: same mean, interval straddling 0.
        if (mixedSlpf1) best = best.Select((c, i) => i % 2 == 0 ? 10 : 6 + (c - 8)).ToArray();
        SyntheticRuns.Write(dir, "slpf-1", 42, best, words);
        SyntheticRuns.Write(dir, "slpf-1", 43, best, words);
        string[] clpfNames = ["clpf-0+1", "clpf-0+1+2"];
        clpfCpu ??= [80, 60];
        for (var i = 0; i < clpf.Length; i++)
            SyntheticRuns.Write(dir, clpfNames[i], 42, SyntheticRuns.Uniform(clpf[i]).Correct, words, trainable: 800 - 200 * i, cpuSeconds: Cpu(clpfCpu[i]), steps: 10);
        SyntheticRuns.Write(dir, "all", 42, SyntheticRuns.Uniform(all).Correct, words, trainable: 10, cpuSeconds: Cpu(30), steps: 10);
        return dir;
    }

    private static Dictionary<string, Claim> ClaimsOf(string dir) =>
        Claims.Of(Aggregation.Summarize(ResultsFolder.Collect(dir))).ToDictionary(c => c.Id);

    [Test]
    public void Claims_hold_when_the_numbers_say_so()
    {
        var dir = WriteStudy(slpf0: 8, slpf1: 9, clpf: [7, 6], all: 2);
        var configs = Aggregation.Summarize(ResultsFolder.Collect(dir));
        Assert.That(configs.Select(c => c.Config), Is.EqualTo(new[] { "baseline", "slpf-0", "slpf-1", "clpf-0+1", "clpf-0+1+2", "all" }));
        var slpf1 = configs.Single(c => c.Config == "slpf-1");
        Assert.That(slpf1.TestAccuracy.Mean, Is.EqualTo(0.9).Within(1e-12));
        Assert.That(slpf1.Seeds, Is.EqualTo(new[] { 42L, 43L }));
        Assert.That(slpf1.VersusBaseline!.Difference, Is.EqualTo(0.1).Within(1e-12));
        Assert.That(slpf1.VersusBaseline.Lower, Is.GreaterThan(0));
        Assert.That(configs[0].VersusBaseline, Is.Null);

        var claims = ClaimsOf(dir);
        Assert.That(claims.Keys, Is.EquivalentTo(new[]
        {
            "best-slpf-beats-baseline", "slpf-layer-1-best", "other-slpf-similar", "best-clpf-beats-baseline", "clpf-degrades", "all-frozen-worst",
            "freezing-saves-training-cost",
        }));
        Assert.That(claims["best-clpf-beats-baseline"].Holds, Is.False, "clpf-0+1 (70%) is below the baseline (80%)");
        Assert.That(claims["best-clpf-beats-baseline"].EffectSize, Is.EqualTo(-0.1).Within(1e-12));
        Assert.That(claims["freezing-saves-training-cost"].EffectSize, Is.EqualTo(0.8).Within(1e-12), "the weakest saving: baseline → clpf-0+1, 80/100 (then 60/80, 30/60)");
        claims.Remove("best-clpf-beats-baseline");
        Assert.That(claims.Values.All(c => c.Holds), Is.True, string.Join("; ", claims.Values.Where(c => !c.Holds).Select(c => c.Id)));
        Assert.That(claims["best-slpf-beats-baseline"].EffectSize, Is.EqualTo(0.1).Within(1e-12));
        Assert.That(claims["clpf-degrades"].EffectSize, Is.EqualTo(0.2 - 0.7).Within(1e-12));
        Assert.That(claims["all-frozen-worst"].EffectSize, Is.EqualTo(0.2 - 0.6).Within(1e-12));
    }

    [Test]
    public void Each_claim_names_the_two_configurations_its_effect_compares()
    {
        var claims = ClaimsOf(WriteStudy(slpf0: 8, slpf1: 9, clpf: [7, 6], all: 2));
        Assert.That(claims["best-slpf-beats-baseline"].Compared, Is.EqualTo((string[])["slpf-1", "baseline"]));
        Assert.That(claims["slpf-layer-1-best"].Compared, Is.EqualTo((string[])["slpf-1", "baseline"]));
        Assert.That(claims["other-slpf-similar"].Compared, Is.EqualTo((string[])["slpf-0", "baseline"]));
        Assert.That(claims["clpf-degrades"].Compared, Is.EqualTo((string[])["all", "clpf-0+1"]));
        Assert.That(claims["all-frozen-worst"].Compared, Is.EqualTo((string[])["all", "clpf-0+1+2"]));
    }

    [Test]
    public void Every_claim_names_two_summarized_configurations_for_its_effect_tolerance()
    {
        // the golden of a claim takes its effect tolerance from these two (Golden/GoldenSnapshots.EffectTolerance)
        var dir = WriteStudy(slpf0: 8, slpf1: 9, clpf: [7, 6], all: 2);
        var configs = Aggregation.Summarize(ResultsFolder.Collect(dir)).Select(c => c.Config).ToHashSet();
        foreach (var claim in ClaimsOf(dir).Values)
        {
            Assert.That(claim.Compared, Has.Count.EqualTo(2), claim.Id);
            Assert.That(claim.Compared, Is.SubsetOf(configs), claim.Id);
        }
    }

    [Test]
    public void Claims_fail_when_the_numbers_contradict_them()
    {
        // Best single layer is slpf-1 only on average, with an interval across 0; clpf rises; all is not the worst.
        var dir = WriteStudy(slpf0: 6, slpf1: 8, clpf: [5, 7], all: 6, mixedSlpf1: true);
        var claims = ClaimsOf(dir);
        Assert.That(claims["best-slpf-beats-baseline"].Holds, Is.False);
        Assert.That(claims["other-slpf-similar"].Holds, Is.False, "slpf-0 is 2 points below");
        Assert.That(claims["clpf-degrades"].Holds, Is.False);
        Assert.That(claims["clpf-degrades"].Effect, Does.Contain("rises at clpf-0+1 → clpf-0+1+2"));
        Assert.That(claims["all-frozen-worst"].Holds, Is.False);

        var layer0Best = WriteStudy(slpf0: 10, slpf1: 9, clpf: [7, 6], all: 2);
        Assert.That(ClaimsOf(layer0Best)["slpf-layer-1-best"].Holds, Is.False);
        Assert.That(ClaimsOf(layer0Best)["best-slpf-beats-baseline"].Effect, Does.StartWith("slpf-0"));
    }

    [Test]
    public void Beating_the_baseline_is_decided_on_seeds_when_there_are_two_and_says_so_when_there_is_one()
    {
        var dir = WriteStudy(slpf0: 8, slpf1: 9, clpf: [7, 6], all: 2);
        var claims = ClaimsOf(dir);
        // baseline and slpf-1 have two seeds each; clpf-0+1 has one.
        Assert.That(claims["best-slpf-beats-baseline"].Statement, Does.Contain("rule: the seed-aware 95% interval"));
        Assert.That(claims["best-clpf-beats-baseline"].Statement, Does.Contain("cannot be computed (n=1)").And.Contain("sentence-bootstrap interval"));
        Assert.That(claims["best-clpf-beats-baseline"].Effect, Does.Contain("seed-aware n/a (n=1)"));
        Assert.That(claims["best-clpf-beats-baseline"].Power, Does.StartWith("cannot be estimated: 1 seed per configuration"));
        Assert.That(claims["best-slpf-beats-baseline"].Power, Does.StartWith("about 2 seeds per configuration"), "the seeds agree exactly");

        // slpf-1's two seeds: every sentence 10/10, then 7/10. Seed mean 85% against 80%: the seed-averaged sentence
        // bootstrap sees +5 points on every sentence, but one retraining alone lands 10 points below the baseline.
        var noisy = TinyWorld.TempDir("summary-noisy");
        var (baseline, words) = SyntheticRuns.Uniform(8);
        SyntheticRuns.Write(noisy, "baseline", 42, baseline, words);
        SyntheticRuns.Write(noisy, "baseline", 43, baseline, words);
        SyntheticRuns.Write(noisy, "slpf-1", 42, SyntheticRuns.Uniform(10).Correct, words);
        SyntheticRuns.Write(noisy, "slpf-1", 43, SyntheticRuns.Uniform(7).Correct, words);
        var configs = Aggregation.Summarize(ResultsFolder.Collect(noisy));
        var slpf1 = configs.Single(c => c.Config == "slpf-1");
        Assert.That(slpf1.VersusBaseline!.Lower, Is.EqualTo(0.05).Within(1e-12), "sentences only: significant");
        Assert.That(slpf1.SeedAware!.Difference, Is.EqualTo(0.05).Within(1e-12));
        Assert.That(slpf1.SeedAware.Lower, Is.EqualTo(-0.1).Within(1e-12), "a quarter of the resamples draw the 7/10 seed twice");
        Assert.That(slpf1.Welch!.Lower, Is.LessThan(0));
        var claim = Claims.Of(configs).Single(c => c.Id == "best-slpf-beats-baseline");
        Assert.That(claim.Holds, Is.False);
        Assert.That(claim.Power, Does.Match("^about [0-9]+ seeds per configuration to detect slpf-1 − baseline = \\+5.00 pt"));
    }

    [Test]
    public void The_cost_claim_needs_every_step_to_fall_and_says_when_it_cannot_be_judged()
    {
        var holds = ClaimsOf(WriteStudy(slpf0: 8, slpf1: 9, clpf: [7, 6], all: 2))["freezing-saves-training-cost"];
        Assert.That(holds.Holds, Is.True);
        Assert.That(holds.Statement, Does.Contain("CPU-seconds per step"));
        Assert.That(holds.Effect, Does.Contain("clpf-0+1 0.800× time, 0.8000× params").And.Contain("all 0.300× time, 0.0100× params"));
        Assert.That(holds.EffectIsCostRatio, Is.True);

        var rises = ClaimsOf(WriteStudy(slpf0: 8, slpf1: 9, clpf: [7, 6], all: 2, clpfCpu: [80, 90]))["freezing-saves-training-cost"];
        Assert.That(rises.Holds, Is.False);
        Assert.That(rises.Effect, Does.StartWith("CPU-seconds per step rises at clpf-0+1 → clpf-0+1+2"));
        Assert.That(rises.EffectSize, Is.EqualTo(90.0 / 80).Within(1e-12));

        var old = WriteStudy(slpf0: 8, slpf1: 9, clpf: [7, 6], all: 2, recordCpu: false);
        Assert.That(ClaimsOf(old).ContainsKey("freezing-saves-training-cost"), Is.False, "CPU wall time on shared cores does not decide it");
        var configs = Aggregation.Summarize(ResultsFolder.Collect(old));
        Assert.That(Claims.Unchecked(configs).Single().Id, Is.EqualTo("freezing-saves-training-cost"));
        Summary.Write(old);
        Assert.That(File.ReadAllText(Path.Combine(old, Summary.MarkdownFile)), Does.Contain("Not checked: `freezing-saves-training-cost`: the CPU runs lack train.cpu_seconds"));
    }

    [Test]
    public void Write_produces_the_table_the_claims_and_a_png()
    {
        var dir = WriteStudy(slpf0: 8, slpf1: 9, clpf: [7, 6], all: 2);
        Summary.Write(dir);
        var md = File.ReadAllText(Path.Combine(dir, Summary.MarkdownFile));
        Assert.That(md, Does.Contain("| config | frozen | trainable params |"));
        Assert.That(md, Does.Contain("| slpf-1 |"));
        Assert.That(md, Does.Contain("| 90.00 ± 0.00 |"), "mean ± sd of two seeds");
        Assert.That(md, Does.Contain("| +10.00 pt [+10.00 pt, +10.00 pt] | < 1e-4 |"));
        Assert.That(md, Does.Contain("## The seed README's claims"));
        Assert.That(md, Does.Contain("| Freezing all layers gives the lowest accuracy. | reproduced |"));
        Assert.That(md.IndexOf("| baseline |", StringComparison.Ordinal), Is.LessThan(md.IndexOf("| all |", StringComparison.Ordinal)));
        Assert.That(md, Does.Contain("| slpf-1 | 2 | +10.00 pt | [+10.00 pt, +10.00 pt], p = < 1e-4 | [+10.00 pt, +10.00 pt], p = < 1e-4 | [+10.00 pt, +10.00 pt], p = < 1e-4 |"),
            "two identical seeds a side: all three intervals collapse onto Δ (Welch has no spread, so no df)");
        Assert.That(md, Does.Contain("| slpf-0 | 1 | 0.00 pt | [0.00 pt, 0.00 pt], p = 1.0000 | n/a (n=1) | n/a (n=1) |"));
        Assert.That(md, Does.Contain("| clpf-0+1 | 800 (0.800×) | 10 | 0.1000 (1.000×) | 8.0000 (0.800×) |"));
        Assert.That(md, Does.Contain("| claim | outcome | effect | power |"));

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, Summary.JsonFile)))!;
        Assert.That(json["runs"]!.GetValue<int>(), Is.EqualTo(8));
        Assert.That(json["claims"]!.AsArray().Where(c => c!["id"]!.GetValue<string>() != "best-clpf-beats-baseline").All(c => c!["holds"]!.GetValue<bool>()), Is.True);
        Assert.That(json["claims"]!.AsArray().All(c => c!["power"]!.GetValue<string>().Length > 0), Is.True);
        var slpf0 = json["configs"]!.AsArray().Single(c => c!["config"]!.GetValue<string>() == "slpf-0")!;
        Assert.That(slpf0["versus_baseline_seed_aware"]!["hierarchical_bootstrap"]!["computable"]!.GetValue<bool>(), Is.False);
        Assert.That(slpf0["versus_baseline_seed_aware"]!["welch"]!["reason"]!.GetValue<string>(), Does.Contain("n=1"));
        var slpf1Json = json["configs"]!.AsArray().Single(c => c!["config"]!.GetValue<string>() == "slpf-1")!;
        Assert.That(slpf1Json["versus_baseline_seed_aware"]!["hierarchical_bootstrap"]!["difference"]!.GetValue<double>(), Is.EqualTo(0.1).Within(1e-12));
        Assert.That(json["configs"]![0]!["train_cpu_seconds_per_step"]!["mean"]!.GetValue<double>(), Is.EqualTo(10));

        var png = File.ReadAllBytes(Path.Combine(dir, Summary.FigureFile));
        Assert.That(png.Take(8), Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }));
        Assert.That(png, Has.Length.GreaterThan(10_000));
        Assert.That(TinyWorld.TempFiles(dir), Is.Empty);
    }

    [Test]
    public void Write_refuses_an_empty_folder_and_mixed_profiles()
    {
        Assert.That(() => Summary.Write(TinyWorld.TempDir("empty")), Throws.TypeOf<InvalidDataException>().With.Message.Contains("no finished runs"));
        var dir = TinyWorld.TempDir("mixed");
        var (correct, words) = SyntheticRuns.Uniform(8);
        SyntheticRuns.Write(dir, "baseline", 42, correct, words, profile: "smoke");
        SyntheticRuns.Write(dir, "all", 42, correct, words, profile: "full");
        Assert.That(() => Summary.Write(dir), Throws.TypeOf<InvalidDataException>().With.Message.Contains("mix profiles"));
    }
}
