using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using POSLayerFreeze.Data;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Tests.Experiments;

/// <summary>
/// A model and a dataset small enough to train in well under a second: the tiny-bert fixture (vocab 128, hidden
/// 32, 2 layers) with a hand-made 128-entry vocabulary, and the first sentences of each EWT split. Built once per
/// test run in a temp folder; tests write their results into their own temp folders.
/// </summary>
internal static class TinyWorld
{
    public const int TrainSentences = 24;
    public const int EvalSentences = 24;

    private static readonly Lazy<string> Root = new(Build);

    /// <summary>A Hugging Face directory <see cref="ModelCatalog.Resolve"/> accepts (config, weights, vocab).</summary>
    public static string ModelDir => Path.Combine(Root.Value, "tiny-bert-model");

    /// <summary>en_ewt-ud-{train,dev,test}.conllu holding the first sentences of the real splits.</summary>
    public static string DataDir => Path.Combine(Root.Value, "data");

    public static ModelSource Model => ModelCatalog.Resolve(ModelDir);

    /// <summary>The identity (name and split checksums) of <see cref="DataDir"/>, for specs that need one.</summary>
    public static DatasetIdentity Dataset => Treebank.FromFolder(DataDir, "test").Identity;

    /// <summary>The smoke code path at test scale: a few steps of 8 windows, lr high enough that every weight moves.</summary>
    public static TrainingProfile Profile { get; } = TrainingProfile.Smoke with
    {
        Name = "test", Version = 1, TrainSentences = TrainSentences, Epochs = 1, BatchSize = 8, LearningRate = 1e-3,
        MaxLength = 32, EvalBatchSize = 64, DefaultSeeds = [42],
    };

    public static string TempDir(string prefix)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"poslf-{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Every *.tmp left under <paramref name="dir"/> (AtomicFile's temp names end in .tmp).</summary>
    public static string[] TempFiles(string dir) => Directory.GetFiles(dir, "*.tmp", SearchOption.AllDirectories);

    private static string Build()
    {
        var root = TempDir("tinyworld");
        var model = Path.Combine(root, "tiny-bert-model");
        Directory.CreateDirectory(model);
        var fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny-bert");
        File.Copy(Path.Combine(fixture, "config.json"), Path.Combine(model, "config.json"));
        File.Copy(Path.Combine(fixture, "model.safetensors"), Path.Combine(model, "model.safetensors"));
        File.WriteAllLines(Path.Combine(model, "vocab.txt"), Vocabulary());

        var data = Path.Combine(root, "data");
        Directory.CreateDirectory(data);
        foreach (var (split, count) in new[] { ("train", TrainSentences), ("dev", EvalSentences), ("test", EvalSentences) })
        {
            var source = Path.Combine(TestPaths.DatasetDir, $"en_ewt-ud-{split}.conllu");
            var text = File.Exists(source) ? File.ReadAllText(source) : ReadGz(source + ".gz");
            var blocks = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
                .Where(b => b.Trim().Length > 0).Take(count);
            File.WriteAllText(Path.Combine(data, $"en_ewt-ud-{split}.conllu"), string.Concat(blocks.Select(b => b.Trim('\n') + "\n\n")));
        }
        return root;
    }

    private static string ReadGz(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(gz, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>128 entries: specials, letters and their ## continuations, digits, punctuation, frequent words.</summary>
    internal static List<string> Vocabulary()
    {
        var vocab = new List<string> { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" };
        var letters = Enumerable.Range('a', 26).Select(c => ((char)c).ToString()).ToArray();
        vocab.AddRange(letters);
        vocab.AddRange(letters.Select(l => "##" + l));
        vocab.AddRange(Enumerable.Range(0, 10).Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        vocab.AddRange([".", ",", "'", "\"", "-", "!", "?", ":", ";", "(", ")", "/", "&", "$"]);
        string[] words =
        [
            "the", "to", "and", "of", "in", "is", "it", "that", "for", "you", "was", "on", "with", "he", "be", "this",
            "are", "have", "not", "but", "they", "at", "we", "my", "from", "or", "by", "as", "an", "will", "there",
            "all", "can", "if", "one", "so",
        ];
        vocab.AddRange(words.Where(w => !vocab.Contains(w)));
        var fill = 0;
        while (vocab.Count < 128) vocab.Add($"##{fill++}");
        if (vocab.Count != 128 || vocab.Distinct().Count() != 128) throw new InvalidOperationException($"vocab has {vocab.Count} entries");
        return vocab;
    }
}

/// <summary>
/// Hand-written run folders that pass <see cref="RunReader"/>: metrics.json, test.sentences.json and a predictions
/// file as RunExecutor writes them, with consistent counts and hashes. <paramref name="variant"/> changes the
/// inputs (and so the inputs hash) without changing what makes runs one experiment.
/// </summary>
internal static class SyntheticRuns
{
    public static void Write(string outDir, string config, long seed, int[] correct, int[] words, string profile = "test",
        string variant = "", double devAccuracy = 0.5, long trainable = 1000, double seconds = 1.0, string testData = "t0", double? cpuSeconds = null, int steps = 1,
        JsonArray? logHistory = null, bool evalEachEpoch = false)
    {
        var dir = Path.Combine(outDir, config, $"seed-{seed}");
        Directory.CreateDirectory(dir);
        var accuracy = (double)correct.Sum() / words.Sum();
        const long devWords = 1_000_000;
        var devCorrect = (long)Math.Round(devAccuracy * devWords);
        var predictions = Path.Combine(dir, RunExecutor.PredictionsFile);
        File.WriteAllText(predictions, $"# sent_id = synthetic {config} {seed}\n1\tword\t_\tNOUN\t_\t_\t0\troot\t_\t_\n\n");
        var inputs = new JsonObject
        {
            ["config"] = config,
            ["seed"] = seed,
            ["profile"] = new JsonObject { ["name"] = profile, ["version"] = 1 },
            ["model_identity"] = "synthetic@sha256:0",
            ["protocol_revision"] = RunSpec.ProtocolRevision,
            ["dataset"] = new JsonArray("train:r0", "dev:d0", $"test:{testData}"),
            ["variant"] = variant,
        };
        var metrics = new JsonObject
        {
            ["config"] = config,
            ["seed"] = seed,
            ["profile"] = new JsonObject { ["name"] = profile, ["version"] = 1 },
            ["model"] = "synthetic",
            ["device"] = "cpu",
            ["frozen"] = new JsonArray(),
            ["trainable_parameters"] = trainable,
            ["train"] = new JsonObject { ["steps"] = steps, ["tokens_per_second"] = 100.0 / seconds, ["seconds"] = seconds, ["cpu_seconds"] = cpuSeconds },
            ["dev"] = new JsonObject { ["accuracy"] = (double)devCorrect / devWords, ["words"] = devWords, ["correct"] = devCorrect },
            ["test"] = new JsonObject { ["accuracy"] = accuracy, ["words"] = words.Sum(), ["correct"] = correct.Sum(), ["macro_f1"] = accuracy / 2 },
            ["predictions"] = new JsonObject { ["file"] = RunExecutor.PredictionsFile, ["sha256"] = FileFingerprint.Sha256(predictions) },
            ["log_history"] = logHistory,
            ["inputs"] = inputs,
            ["inputs_hash"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(Invariant.ToJson(inputs)))),
        };
        if (evalEachEpoch) metrics["profile"]!["eval_each_epoch"] = true;
        File.WriteAllText(Path.Combine(dir, "test.sentences.json"), Invariant.ToJson(new JsonObject
        {
            ["words"] = new JsonArray(words.Select(n => (JsonNode)n).ToArray()),
            ["correct"] = new JsonArray(correct.Select(n => (JsonNode)n).ToArray()),
        }));
        File.WriteAllText(Path.Combine(dir, "metrics.json"), Invariant.ToJson(metrics));
    }

    /// <summary>n sentences of 10 words, each with <paramref name="perSentence"/> correct.</summary>
    public static (int[] Correct, int[] Words) Uniform(int perSentence, int n = 50) =>
        (Enumerable.Repeat(perSentence, n).ToArray(), Enumerable.Repeat(10, n).ToArray());
}
