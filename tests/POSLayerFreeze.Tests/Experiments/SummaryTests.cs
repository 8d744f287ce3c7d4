using System.Text.Json.Nodes;
using POSLayerFreeze.Experiments;

namespace POSLayerFreeze.Tests.Experiments;

/// <summary>Summary, claims, merge rules and the figure on hand-written run folders with known numbers.</summary>
public class SummaryTests
{
    /// <summary>50 test sentences of 10 words; correct words per sentence for each config (one seed each unless noted).</summary>
    private static string WriteStudy(int slpf0, int slpf1, int[] clpf, int all, bool mixedSlpf1 = false)
    {
        var dir = TinyWorld.TempDir("summary");
        var (baseline, words) = SyntheticRuns.Uniform(8);
        SyntheticRuns.Write(dir, "baseline", 42, baseline, words);
        SyntheticRuns.Write(dir, "baseline", 43, baseline, words);
        SyntheticRuns.Write(dir, "slpf-0", 42, SyntheticRuns.Uniform(slpf0).Correct, words);
        var best = SyntheticRuns.Uniform(slpf1).Correct;
        // Gains on half the sentences, equal losses on the other half: same mean, interval straddling 0.
        if (mixedSlpf1) best = best.Select((c, i) => i % 2 == 0 ? 10 : 6 + (c - 8)).ToArray();
        SyntheticRuns.Write(dir, "slpf-1", 42, best, words);
        SyntheticRuns.Write(dir, "slpf-1", 43, best, words);
        string[] clpfNames = ["clpf-0+1", "clpf-0+1+2"];
        for (var i = 0; i < clpf.Length; i++) SyntheticRuns.Write(dir, clpfNames[i], 42, SyntheticRuns.Uniform(clpf[i]).Correct, words);
        SyntheticRuns.Write(dir, "all", 42, SyntheticRuns.Uniform(all).Correct, words);
        return dir;
    }

    private static Dictionary<string, Claim> ClaimsOf(string dir) =>
        Summary.Claims(Summary.Summarize(Summary.Collect(dir))).ToDictionary(c => c.Id);

    [Test]
    public void Claims_hold_when_the_numbers_say_so()
    {
        var dir = WriteStudy(slpf0: 8, slpf1: 9, clpf: [7, 6], all: 2);
        var configs = Summary.Summarize(Summary.Collect(dir));
        Assert.That(configs.Select(c => c.Config), Is.EqualTo(new[] { "baseline", "slpf-0", "slpf-1", "clpf-0+1", "clpf-0+1+2", "all" }));
        var slpf1 = configs.Single(c => c.Config == "slpf-1");
        Assert.That(slpf1.TestAccuracy.Mean, Is.EqualTo(0.9).Within(1e-12));
        Assert.That(slpf1.Seeds, Is.EqualTo(new[] { 42L, 43L }));
        Assert.That(slpf1.VersusBaseline!.Difference, Is.EqualTo(0.1).Within(1e-12));
        Assert.That(slpf1.VersusBaseline.Lower, Is.GreaterThan(0));
        Assert.That(configs[0].VersusBaseline, Is.Null);

        var claims = ClaimsOf(dir);
        Assert.That(claims.Keys, Is.EquivalentTo(new[] { "best-slpf-beats-baseline", "slpf-layer-1-best", "other-slpf-similar", "clpf-degrades", "all-frozen-worst" }));
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
        var configs = Summary.Summarize(Summary.Collect(dir)).Select(c => c.Config).ToHashSet();
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

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, Summary.JsonFile)))!;
        Assert.That(json["runs"]!.GetValue<int>(), Is.EqualTo(8));
        Assert.That(json["claims"]!.AsArray().All(c => c!["holds"]!.GetValue<bool>()), Is.True);

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

    [Test]
    public void Merge_refuses_conflicting_duplicates_and_mixed_profiles_and_keeps_identical_ones()
    {
        var (correct, words) = SyntheticRuns.Uniform(8);
        var a = TinyWorld.TempDir("merge-a");
        var b = TinyWorld.TempDir("merge-b");
        SyntheticRuns.Write(a, "baseline", 42, correct, words, variant: "aaaaaaaaaaaaaaaa");
        SyntheticRuns.Write(b, "baseline", 42, correct, words, variant: "bbbbbbbbbbbbbbbb");
        Assert.That(() => Merge.Into([a, b], TinyWorld.TempDir("merge-out")),
            Throws.TypeOf<InvalidDataException>().With.Message.Contains("baseline seed 42").And.Message.Contains("different inputs"));

        var c = TinyWorld.TempDir("merge-c");
        SyntheticRuns.Write(c, "all", 42, correct, words, profile: "full");
        Assert.That(() => Merge.Into([a, c], TinyWorld.TempDir("merge-out")),
            Throws.TypeOf<InvalidDataException>().With.Message.Contains("different profiles"));

        var d = TinyWorld.TempDir("merge-d");
        SyntheticRuns.Write(d, "baseline", 42, correct, words, variant: "aaaaaaaaaaaaaaaa");
        SyntheticRuns.Write(d, "all", 43, correct, words);
        var outDir = TinyWorld.TempDir("merge-out");
        Assert.That(Merge.Into([a, d], outDir).Select(r => (r.Config, r.Seed)), Is.EquivalentTo(new[] { ("baseline", 42L), ("all", 43L) }));
        Assert.That(File.Exists(Path.Combine(outDir, "all", "seed-43", RunExecutor.SentencesFile)), Is.True);
        Assert.That(() => Merge.Into([TinyWorld.TempDir("merge-empty")], outDir), Throws.TypeOf<InvalidDataException>());
        Assert.That(() => Merge.Into([Path.Combine(a, "nope")], outDir), Throws.TypeOf<DirectoryNotFoundException>());
    }
}
