using System.Text.Json.Nodes;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Reporting;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Tests.Experiments;

/// <summary>Resumable sweeps and shards: finished runs are kept, changed inputs rerun, shard + merge = one sweep.</summary>
public class SweepTests : TinyTorchFixture
{
    internal sealed class RecordingObserver : ISweepObserver
    {
        public List<RunSpec> Todo { get; } = [];
        public List<RunSpec> Finished { get; } = [];
        public List<RunSpec> Started { get; } = [];

        public void Planned(IReadOnlyList<RunSpec> todo, IReadOnlyList<RunSpec> alreadyFinished)
        {
            Todo.AddRange(todo);
            Finished.AddRange(alreadyFinished);
        }

        public void RunStarted(RunSpec spec) => Started.Add(spec);

        public void Progress(RunSpec spec, int stepsDone, int totalSteps, double loss) { }

        public void RunFinished(RunSpec spec, JsonObject metrics) { }
    }

    private static SweepRequest Request(string outDir, string[] configs, long[] seeds, TrainingProfile? profile = null) =>
        new(configs, seeds, profile ?? TinyWorld.Profile, TinyWorld.ModelDir, "cpu", false, outDir, TinyWorld.DataDir);

    private static RecordingObserver RunSweep(SweepRequest request, Func<IReadOnlyList<RunSpec>, IReadOnlyList<RunSpec>>? select = null)
    {
        var (model, specs) = Sweep.Plan(request);
        var observer = new RecordingObserver();
        Sweep.Run(request, select is null ? specs : select(specs), model, observer, CancellationToken.None);
        return observer;
    }

    [Test]
    public void A_second_sweep_trains_nothing_a_new_profile_version_reruns_and_a_half_written_run_is_redone()
    {
        var dir = TinyWorld.TempDir("resume");
        var request = Request(dir, ["baseline", "slpf-0"], [42]);
        var first = RunSweep(request);
        Assert.That(first.Started, Has.Count.EqualTo(2));
        var metricsPath = Path.Combine(dir, "baseline", "seed-42", RunExecutor.MetricsFile);
        var stamp = File.GetLastWriteTimeUtc(metricsPath);

        var second = RunSweep(request);
        Assert.That(second.Started, Is.Empty);
        Assert.That(second.Todo, Is.Empty);
        Assert.That(second.Finished.Select(s => s.Config), Is.EquivalentTo(new[] { "baseline", "slpf-0" }));
        Assert.That(File.GetLastWriteTimeUtc(metricsPath), Is.EqualTo(stamp));

        // A half-written run (crash before metrics.json) is redone; the finished one is kept.
        File.Delete(Path.Combine(dir, "slpf-0", "seed-42", RunExecutor.MetricsFile));
        var third = RunSweep(request);
        Assert.That(third.Started.Select(s => s.Config), Is.EqualTo(new[] { "slpf-0" }));
        Assert.That(File.Exists(Path.Combine(dir, "slpf-0", "seed-42", RunExecutor.MetricsFile)), Is.True);

        // A corrupt metrics.json counts as unfinished, too.
        File.WriteAllText(Path.Combine(dir, "slpf-0", "seed-42", RunExecutor.MetricsFile), "{\"inputs_hash\": ");
        Assert.That(RunSweep(request).Started.Select(s => s.Config), Is.EqualTo(new[] { "slpf-0" }));

        // Another protocol version is another experiment: refused in this folder (naming the run and the field),
        // and run in full in a fresh one.
        var bumpedRequest = request with { Profile = TinyWorld.Profile with { Version = 2 } };
        Assert.That(() => RunSweep(bumpedRequest), Throws.TypeOf<InvalidDataException>()
            .With.Message.Contains("inputs.profile.version").And.Message.Contains("baseline/seed-42").And.Message.Contains(dir));
        var fresh = TinyWorld.TempDir("resume-v2");
        var bumped = RunSweep(bumpedRequest with { OutDir = fresh });
        Assert.That(bumped.Started, Has.Count.EqualTo(2));
        Assert.That(bumped.Finished, Is.Empty);
        Assert.That(JsonNode.Parse(File.ReadAllText(Path.Combine(fresh, "baseline", "seed-42", RunExecutor.MetricsFile)))!["profile"]!["version"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(TinyWorld.TempFiles(dir), Is.Empty, "atomic writes leave no temp files");
    }

    [Test]
    public void Another_treebank_is_another_experiment_and_the_summary_names_it()
    {
        // The tiny world's files under another treebank name, train one sentence shorter: other content, other hash.
        var other = TinyWorld.TempDir("xx-treebank");
        foreach (var split in new[] { "train", "dev", "test" })
        {
            var text = File.ReadAllText(Path.Combine(TinyWorld.DataDir, $"en_ewt-ud-{split}.conllu"));
            if (split == "train") text = string.Concat(text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(b => b + "\n\n"));
            File.WriteAllText(Path.Combine(other, $"xx_tiny-ud-{split}.conllu"), text);
        }
        var dir = TinyWorld.TempDir("treebanks");
        var ewt = Request(dir, ["all"], [42]);
        Assert.That(RunSweep(ewt).Started, Has.Count.EqualTo(1));
        // Same config and seed, other treebank: another experiment, refused in the EWT folder (issue 12: one
        // experiment per folder), trained in its own and reused on rerun.
        Assert.That(() => RunSweep(ewt with { DataDir = null, TreebankDir = other }),
            Throws.TypeOf<InvalidDataException>().With.Message.Contains("inputs.dataset[0]").And.Message.Contains("all/seed-42"));
        dir = TinyWorld.TempDir("treebanks-xx");
        var xx = ewt with { DataDir = null, TreebankDir = other, OutDir = dir };
        Assert.That(RunSweep(xx).Started, Has.Count.EqualTo(1), "same config and seed, other treebank: trained again");
        Assert.That(RunSweep(xx).Started, Is.Empty, "and reused on rerun");

        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "all", "seed-42", RunExecutor.MetricsFile)))!;
        Assert.That(metrics["treebank"]!["name"]!.GetValue<string>(), Is.EqualTo("xx_tiny"));
        Assert.That(metrics["treebank"]!["train"]!["sentences"]!.GetValue<int>(), Is.EqualTo(TinyWorld.TrainSentences - 1));
        Assert.That(metrics["train"]!["sentences"]!.GetValue<int>(), Is.EqualTo(TinyWorld.TrainSentences - 1),
            "the profile's train_sentences is an upper bound");
        Summary.Write(dir);
        var md = File.ReadAllText(Path.Combine(dir, Summary.MarkdownFile));
        Assert.That(md, Does.Contain("of xx_tiny test").And.Contain("Treebank `xx_tiny`").And.Contain("| train | xx_tiny-ud-train.conllu |"));
    }

    [Test]
    public void Plan_uses_canonical_names_and_drops_duplicates()
    {
        var (_, specs) = Sweep.Plan(Request(TinyWorld.TempDir("plan"), ["clpf-1+0", "clpf-0+1", "BASELINE"], [43, 42, 43]));
        Assert.That(specs.Select(s => (s.Config, s.Seed)),
            Is.EqualTo(new[] { ("clpf-0+1", 43L), ("clpf-0+1", 42L), ("baseline", 43L), ("baseline", 42L) }));
        Assert.That(specs.Select(s => s.InputsHash).Distinct().Count(), Is.EqualTo(4));
    }

    [Test]
    public void Shard_is_a_deterministic_order_independent_partition()
    {
        var (_, specs) = Sweep.Plan(Request(TinyWorld.TempDir("shard"), ["baseline", "slpf-0", "slpf-1", "clpf-0+1", "all"], [42, 43, 44]));
        var reversed = specs.Reverse().ToArray();
        var shuffled = specs.OrderBy(s => s.InputsHash, StringComparer.Ordinal).ToArray();
        foreach (var n in new[] { 1, 2, 4, 15, 16 })
        {
            var shards = Enumerable.Range(0, n).Select(i => RunSpec.Shard(specs, i, n)).ToArray();
            Assert.That(shards.SelectMany(s => s), Is.EquivalentTo(specs), $"n={n}: every spec in exactly one shard");
            Assert.That(shards.Max(s => s.Count) - shards.Min(s => s.Count), Is.LessThanOrEqualTo(1), $"n={n}: round robin");
            for (var i = 0; i < n; i++)
            {
                Assert.That(RunSpec.Shard(reversed, i, n), Is.EqualTo(shards[i]), $"n={n} shard {i} (reversed input)");
                Assert.That(RunSpec.Shard(shuffled, i, n), Is.EqualTo(shards[i]), $"n={n} shard {i} (shuffled input)");
            }
        }
        Assert.That(() => RunSpec.Shard(specs, 2, 2), Throws.ArgumentException);
        Assert.That(() => RunSpec.Shard(specs, -1, 2), Throws.ArgumentException);
    }

    [TestCase("0/1", 0, 1)]
    [TestCase("1/2", 1, 2)]
    [TestCase("3/4", 3, 4)]
    public void ParseShard_accepts_i_of_n(string text, int index, int count) =>
        Assert.That(RunSpec.ParseShard(text), Is.EqualTo((index, count)));

    [TestCase("3/2")]
    [TestCase("2/2")]
    [TestCase("0/0")]
    [TestCase("-1/2")]
    [TestCase("1")]
    [TestCase("1/2/3")]
    [TestCase("a/b")]
    public void ParseShard_rejects_anything_else(string text) =>
        Assert.That(() => RunSpec.ParseShard(text), Throws.TypeOf<FormatException>().With.Message.Contains("0 ≤ i < n"));

    [Test]
    public void Two_shards_merged_equal_one_unsharded_sweep()
    {
        string[] configs = ["baseline", "slpf-1"];
        long[] seeds = [42, 43];
        var whole = TinyWorld.TempDir("whole");
        RunSweep(Request(whole, configs, seeds));
        Summary.Write(whole);

        var shard0 = TinyWorld.TempDir("shard0");
        var shard1 = TinyWorld.TempDir("shard1");
        var ran0 = RunSweep(Request(shard0, configs, seeds), s => RunSpec.Shard(s, 0, 2));
        var ran1 = RunSweep(Request(shard1, configs, seeds), s => RunSpec.Shard(s, 1, 2));
        Assert.That(ran0.Started.Count + ran1.Started.Count, Is.EqualTo(4));
        Assert.That(ran0.Started.Intersect(ran1.Started), Is.Empty);

        var merged = TinyWorld.TempDir("merged");
        var runs = Merge.Into([shard0, shard1], merged);
        Assert.That(runs.Select(r => (r.Config, r.Seed)), Is.EquivalentTo(configs.SelectMany(c => seeds.Select(s => (c, s)))));

        var expected = ComparableSummary(whole);
        var actual = ComparableSummary(merged);
        Assert.That(Invariant.ToJson(actual), Is.EqualTo(Invariant.ToJson(expected)));
        Assert.That(expected["configs"]!.AsArray()[1]!["versus_baseline"], Is.Not.Null, "the bootstrap is part of the comparison");
        Assert.That(expected["claims"]!.AsArray(), Is.Not.Empty);
        foreach (var config in configs)
            foreach (var seed in seeds)
            {
                var rel = Path.Combine(config, $"seed-{seed}");
                Assert.That(Invariant.ToJson(RunExecutorTests.Comparable(Metrics(merged, rel))),
                    Is.EqualTo(Invariant.ToJson(RunExecutorTests.Comparable(Metrics(whole, rel)))), rel);
                Assert.That(File.ReadAllText(Path.Combine(merged, rel, RunExecutor.PredictionsFile)),
                    Is.EqualTo(File.ReadAllText(Path.Combine(whole, rel, RunExecutor.PredictionsFile))), rel);
            }
        foreach (var file in new[] { Summary.JsonFile, Summary.MarkdownFile, Summary.FigureFile })
            Assert.That(File.Exists(Path.Combine(merged, file)), Is.True, file);
        Assert.That(TinyWorld.TempFiles(merged), Is.Empty);

        // Merging the same shards again, or a shard with the whole sweep, is idempotent (same inputs).
        Assert.That(Merge.Into([shard0, whole], TinyWorld.TempDir("again")), Has.Count.EqualTo(4));
    }

    private static JsonObject Metrics(string dir, string rel) =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(dir, rel, RunExecutor.MetricsFile)))!;

    internal static JsonObject ComparableSummary(string dir)
    {
        var summary = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(dir, Summary.JsonFile)))!;
        // Timing differs between two identical runs: throughput, time per step, and the cost claim judged on them.
        foreach (var config in summary["configs"]!.AsArray())
            foreach (var timing in new[] { "train_tokens_per_second", "train_seconds", "train_seconds_per_step", "train_cpu_seconds_per_step" })
                ((JsonObject)config!).Remove(timing);
        var claims = summary["claims"]!.AsArray();
        foreach (var cost in claims.Where(c => c!["id"]!.GetValue<string>() == "freezing-saves-training-cost").ToArray()) claims.Remove(cost);
        return summary;
    }
}
