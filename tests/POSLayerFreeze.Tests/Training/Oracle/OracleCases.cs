using System.Text.Json.Nodes;
using POSLayerFreeze.Data;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tokenization;
using POSLayerFreeze.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Training.Oracle;

/// <summary>
/// The training-oracle cases (eng/oracle/README.md): for each tiny Hugging Face checkpoint, the initial weights (the
/// checkpoint plus our seeded 17-tag head), a profile, and the exact padded batches of every optimizer step as our
/// sampler cuts them from synthetic windows. Everything here is derived from our code and a fixed seed, so the test can
/// re-derive it and prove that the committed inputs the PyTorch oracle trained on are still what our code produces.
/// </summary>
internal static class OracleCases
{
    public static readonly IReadOnlyList<string> Plans = ["baseline", "slpf-1", "clpf-0+1", "all"];

    /// <summary>
    /// Each case: a folder name, the checkpoint, its plans and how its profile differs. BERT warms up over
    /// ⌈0.1 · 22⌉ = 3 steps (the ratio rule and the ramp); DistilBERT runs the protocol of record's schedule (no
    /// warm-up); the clipped case turns on Hugging Face's default clipping (max_grad_norm 1.0; gradient norms here are
    /// 0.6–5, so most steps clip), which the profiles of record do not use. RoBERTa (read from pytorch_model.bin) runs
    /// BERT's schedule on a plan that freezes its own embeddings and one that trains them: window ids include its pad
    /// id 1, so its position rule and both tables' padding_idx show in the gradients.
    /// </summary>
    public static readonly IReadOnlyList<OracleCase> Cases =
    [
        new("tiny-bert", "tiny-bert", Plans, WarmupRatio: 0.1, MaxGradNorm: null),
        new("tiny-distilbert", "tiny-distilbert", Plans, WarmupRatio: 0, MaxGradNorm: null),
        new("tiny-distilbert-clipped", "tiny-distilbert", ["baseline", "clpf-0+1"], WarmupRatio: 0, MaxGradNorm: 1.0),
        // The controls (issue 26): the tiny models have 2 layers, so drop-top-1 is the one depth reduction.
        new("tiny-bert-controls", "tiny-bert", ControlOracle.Plans, WarmupRatio: 0.1, MaxGradNorm: null),
        new("tiny-distilbert-controls", "tiny-distilbert", ControlOracle.Plans, WarmupRatio: 0, MaxGradNorm: null),
        new("tiny-roberta", "tiny-roberta", ["baseline", "clpf-emb+0"], WarmupRatio: 0.1, MaxGradNorm: null),
    ];

    public static IEnumerable<string> CaseNames => Cases.Select(c => c.Name);

    public static OracleCase Case(string name) => Cases.Single(c => c.Name == name);

    public const long Seed = 42;

    /// <summary>42 windows in batches of 4 over 2 epochs: 11 steps an epoch (the last batch partial), 22 in all.</summary>
    public const int WindowCount = 42;

    private const int MinLength = 3;
    private const int MaxLength = 30;

    /// <summary>Where the committed fixtures are copied next to the test assembly.</summary>
    public static string FixtureDir => Path.Combine(AppContext.BaseDirectory, "Fixtures", "oracle");

    public static string CheckpointDir(string model) => Path.Combine(AppContext.BaseDirectory, "Fixtures", model);

    /// <summary>A high learning rate and weight decay 0.01 so that every term of the update shows in 22 steps.</summary>
    public static TrainingProfile Profile(OracleCase c) => new()
    {
        Name = "oracle",
        Version = 1,
        Epochs = 2,
        BatchSize = 4,
        LearningRate = 1e-3,
        WeightDecay = 0.01,
        BatchOrder = BatchOrder.Random,
        WeightDecayExclude = WeightDecayExclusion.BiasAndLayerNorm,
        WarmupRatio = c.WarmupRatio,
        MaxGradNorm = c.MaxGradNorm,
        DefaultSeeds = [Seed],
    };

    /// <summary>The checkpoint's own Hugging Face config.json with every dropout probability set to 0.</summary>
    public static JsonObject ConfigWithoutDropout(string model)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(CheckpointDir(model), "config.json")))!.AsObject();
        string[] dropouts = json["model_type"]!.GetValue<string>() == "distilbert"
            ? ["dropout", "attention_dropout"]
            : ["hidden_dropout_prob", "attention_probs_dropout_prob"];
        foreach (var key in dropouts)
        {
            Assert.That(json.ContainsKey(key), $"{model}/config.json has no {key}");
            json[key] = 0.0;
        }
        return json;
    }

    /// <summary>The model exactly as a run builds it (seed, then CreateClassifier), from the dropout-free config.</summary>
    public static TokenClassifier CreateModel(string model)
    {
        var dir = CheckpointDir(model);
        var config = EncoderConfig.FromJson(ConfigWithoutDropout(model), model);
        // The tiny checkpoints carry no vocabulary; CreateClassifier reads only the config and the weights.
        var source = new ModelSource(model, dir, config, Path.Combine(dir, "config.json"), CheckpointFile.Find(dir)!,
            VocabPath: "", Tokenizer: POSLayerFreeze.Tokenization.BertTokenizerSettings.Uncased);
        TorchRuntime.Seed(Seed);
        return ModelCatalog.CreateClassifier(source, Upos.Tags.Count);
    }

    /// <summary>
    /// Sentence windows of lengths 3…30 drawn from SplitMix64: [CLS] (id 2), ids in 1…vocab−1, [SEP] (id 3); the first
    /// sub-token of each word labelled (0…16), about a quarter of the positions continuation sub-tokens (−100). Ids
    /// stay inside the tiny vocabulary and never equal the pad id inside a window.
    /// </summary>
    public static SentenceWindow[] Windows(int vocabSize)
    {
        var rng = new SplitMix64(0x0EAC1E5EEDUL);
        var windows = new SentenceWindow[WindowCount];
        for (var w = 0; w < WindowCount; w++)
        {
            var length = MinLength + rng.NextInt(MaxLength - MinLength + 1);
            var ids = new int[length];
            var labels = new int[length];
            var wordIndex = new int[length];
            ids[0] = 2;
            ids[^1] = 3;
            labels[0] = labels[^1] = Upos.IgnoreIndex;
            wordIndex[0] = wordIndex[^1] = -1;
            var words = 0;
            for (var t = 1; t < length - 1; t++)
            {
                ids[t] = 1 + rng.NextInt(vocabSize - 1);
                // Position 1 always starts a word, so every window has a labelled token.
                var continuation = t > 1 && rng.NextInt(4) == 0;
                // A word's tag is a function of its token (plus noise on one in eight), so there is something to learn
                // and the loss falls visibly over 22 steps.
                var tag = rng.NextInt(8) == 0 ? rng.NextInt(Upos.Tags.Count) : ids[t] % Upos.Tags.Count;
                labels[t] = continuation ? Upos.IgnoreIndex : tag;
                wordIndex[t] = continuation ? -1 : words++;
            }
            windows[w] = new SentenceWindow(ids, labels, wordIndex, FirstWord: 0, WordCount: words);
        }
        return windows;
    }

    /// <summary>Every optimizer step's window indices, epoch by epoch, as the trainer's sampler cuts them.</summary>
    public static IReadOnlyList<(int Epoch, int[] Windows)> Steps(IReadOnlyList<SentenceWindow> windows, TrainingProfile profile)
    {
        var lengths = windows.Select(w => w.Length).ToArray();
        return Enumerable.Range(0, profile.Epochs)
            .SelectMany(e => BatchSampler.Batches(lengths, profile.BatchSize, profile.BatchOrder, unchecked((ulong)Seed), e).Select(b => (e, b)))
            .ToList();
    }

    public static JsonObject CaseJson(OracleCase c, TokenClassifier classifier) => new()
    {
        ["case"] = c.Name,
        ["model"] = c.Model,
        ["seed"] = Seed,
        ["num_labels"] = Upos.Tags.Count,
        ["config"] = ConfigWithoutDropout(c.Model),
        ["profile"] = Profile(c).ToJson(),
        ["plans"] = new JsonArray(c.Plans.Select(p => (JsonNode)p).ToArray()),
        ["parameters"] = new JsonArray(classifier.named_parameters().Select(p => (JsonNode)p.name).ToArray()),
    };

    public static JsonObject BatchesJson(IReadOnlyList<SentenceWindow> windows, TrainingProfile profile, int padId)
    {
        static JsonArray Rows(long[] values, int batch, int length) => new(Enumerable.Range(0, batch)
            .Select(r => (JsonNode)new JsonArray(values.Skip(r * length).Take(length).Select(v => (JsonNode)v).ToArray())).ToArray());
        var steps = new JsonArray();
        foreach (var (epoch, batch) in Steps(windows, profile))
        {
            var padded = PaddedBatch.Of(windows, batch, padId);
            steps.Add(new JsonObject
            {
                ["epoch"] = epoch,
                ["windows"] = new JsonArray(batch.Select(i => (JsonNode)i).ToArray()),
                ["input_ids"] = Rows(padded.InputIds, padded.BatchSize, padded.Length),
                ["attention_mask"] = Rows(padded.AttentionMask, padded.BatchSize, padded.Length),
                ["labels"] = Rows(padded.Labels, padded.BatchSize, padded.Length),
            });
        }
        return new JsonObject { ["steps"] = steps };
    }

    public static IEnumerable<SafetensorsEntry> Weights(TokenClassifier classifier) => classifier.named_parameters()
        .Select(p => new SafetensorsEntry(p.name, "F32", p.parameter.shape, p.parameter.detach().cpu().data<float>().ToArray()));

    /// <summary>Writes the oracle's inputs for every case: case.json, batches.json, init.safetensors.</summary>
    public static void Export(string root)
    {
        foreach (var c in Cases)
        {
            var dir = Path.Combine(root, c.Name);
            Directory.CreateDirectory(dir);
            using var classifier = CreateModel(c.Model);
            var windows = Windows(classifier.Config.VocabSize);
            AtomicFile.WriteAllText(Path.Combine(dir, "case.json"), Invariant.ToJson(CaseJson(c, classifier)) + "\n");
            AtomicFile.WriteAllText(Path.Combine(dir, "batches.json"),
                Invariant.ToJson(BatchesJson(windows, Profile(c), classifier.Config.PadTokenId)) + "\n");
            Safetensors.Write(Path.Combine(dir, "init.safetensors"), Weights(classifier));
            ControlOracle.Export(c, dir);
        }
    }
}

/// <summary>One oracle case: fixture folder <paramref name="Name"/>, checkpoint <paramref name="Model"/>, its plans and profile knobs.</summary>
internal sealed record OracleCase(string Name, string Model, IReadOnlyList<string> Plans, double WarmupRatio, double? MaxGradNorm)
{
    public override string ToString() => Name;
}
