using POSLayerFreeze.Experiments;

namespace POSLayerFreeze.Tests.Experiments;

/// <summary>Merge rules on hand-written run folders.</summary>
public class MergeTests
{
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
