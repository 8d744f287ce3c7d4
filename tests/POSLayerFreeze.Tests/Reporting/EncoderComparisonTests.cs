using POSLayerFreeze.Reporting;

namespace POSLayerFreeze.Tests.Reporting;

/// <summary><c>poslf compare</c>'s table: per-claim verdicts across encoders, and refusal of unlike studies.</summary>
public class EncoderComparisonTests
{
    private string root = "";
    private SweepSummary smoke = null!;

    [SetUp]
    public void ReadTheCommittedSmokeSummary()
    {
        root = Path.Combine(Path.GetTempPath(), "poslf-compare-" + Guid.NewGuid().ToString("N"));
        smoke = SweepSummaryFile.Read(Path.Combine(TestPaths.RepoRoot, "docs", "results", "cpu-smoke", "summary.json"));
    }

    [TearDown]
    public void RemoveFolders()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    private string Folder(string name, SweepSummary summary)
    {
        var dir = Path.Combine(root, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, Summary.JsonFile), SweepSummaryFile.ToJson(summary));
        return dir;
    }

    private static string Row(string markdown, string first) =>
        markdown.Split('\n').Single(l => l.StartsWith($"| {first} |", StringComparison.Ordinal));

    [Test]
    public void EachClaimSaysWhetherItHoldsOnBothOnNoneOrOnOne()
    {
        // The second encoder reproduces slpf-layer-1-best (not reproduced on the first) and fails all-frozen-worst.
        var flipped = smoke.Claims.Select(c => c.Id switch
        {
            "slpf-layer-1-best" => c with { Holds = true, Effect = "best single-layer freeze: slpf-1" },
            "all-frozen-worst" => c with { Holds = false },
            _ => c,
        }).ToArray();
        var other = smoke with { Model = "arctic-xs", Claims = flipped };
        var markdown = EncoderComparison.Markdown(EncoderComparison.Read([Folder("a", smoke), Folder("b", other)]));
        TestContext.Out.WriteLine(markdown);
        Assert.Multiple(() =>
        {
            Assert.That(Row(markdown, "clpf-degrades"), Does.EndWith("| **yes** |"));
            Assert.That(Row(markdown, "best-slpf-beats-baseline"), Does.EndWith("| no (on none) |"));
            Assert.That(Row(markdown, "slpf-layer-1-best"), Does.EndWith("| no (`arctic-xs` only) |"));
            Assert.That(Row(markdown, "all-frozen-worst"), Does.EndWith("| no (`minilm` only) |"));
            Assert.That(Row(markdown, "slpf-layer-1-best"), Does.Contain("| not reproduced: best single-layer freeze: slpf-2 | reproduced: best single-layer freeze: slpf-1 |"));
            Assert.That(Row(markdown, "config"), Is.EqualTo("| config | `minilm` | `arctic-xs` |"));
            Assert.That(Row(markdown, "baseline"), Is.EqualTo("| baseline | 91.87 | 91.87 |"));
            Assert.That(Row(markdown, "slpf-5"), Is.EqualTo("| slpf-5 | 90.40 (-1.46 pt) | 90.40 (-1.46 pt) |"));
        });
    }

    [Test]
    public void AClaimUncheckedOnOneEncoderIsNotDecided()
    {
        var cost = smoke.Claims.Single(c => c.Id == "freezing-saves-training-cost");
        var other = smoke with
        {
            Model = "arctic-xs",
            Claims = smoke.Claims.Where(c => c != cost).ToArray(),
            UncheckedClaims = [new UncheckedClaim(cost.Id, "no CPU time recorded")],
        };
        var markdown = EncoderComparison.Markdown(EncoderComparison.Read([Folder("a", smoke), Folder("b", other)]));
        Assert.That(Row(markdown, "freezing-saves-training-cost"), Does.EndWith("| not checked: no CPU time recorded | not checked on every encoder |"));
        // The cost claim's effect lists every ratio: the cell keeps its first sentence.
        Assert.That(Row(markdown, "freezing-saves-training-cost"), Does.Contain("clpf-0+1+2+3+4 (…) |"));
    }

    [Test]
    public void StudiesOfDifferentProfilesOrConfigurationsAreRefusedNamingTheField()
    {
        var a = Folder("a", smoke);
        var profile = (System.Text.Json.Nodes.JsonObject)smoke.Profile.DeepClone();
        profile["name"] = "full";
        var b = Folder("b", smoke with { Model = "arctic-xs", Profile = profile });
        var c = Folder("c", smoke with { Model = "arctic-xs", Configs = smoke.Configs.Take(3).ToArray() });
        Assert.Multiple(() =>
        {
            Assert.That(() => EncoderComparison.Read([a, b]), Throws.InstanceOf<InvalidDataException>()
                .With.Message.Contains("profile is 'full v2', but").And.Message.Contains(Path.Combine(b, Summary.JsonFile)));
            Assert.That(() => EncoderComparison.Read([a, c]), Throws.InstanceOf<InvalidDataException>().With.Message.Contains(": configs is 'baseline,slpf-0,slpf-1'"));
            Assert.That(() => EncoderComparison.Read([a, Path.Combine(root, "missing")]), Throws.InstanceOf<FileNotFoundException>().With.Message.Contains("no summary"));
            Assert.That(() => EncoderComparison.Read([a]), Throws.ArgumentException);
        });
    }
}
