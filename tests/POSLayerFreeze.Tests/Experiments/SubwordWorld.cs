using System.IO.Compression;
using System.Text.Json.Nodes;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Tests.Experiments;

/// <summary>
/// A RoBERTa and an XLM-R model folder as a researcher would have them, made from committed fixtures: the tiny random
/// checkpoints of eng/roberta-oracle (Fixtures/tiny-roberta, tiny-xlm-roberta) and the tokenizers of
/// eng/hf-tokenizers (Fixtures/subword/bytelevel-bpe: vocab.json + merges.txt; subword/unigram: tokenizer.json).
/// The checkpoints have vocab 100 and 120, the tokenizers 2261 and 3005 ids, so the word embeddings are resized here:
/// the checkpoint's rows kept, the new ones drawn N(0, 0.02) from a fixed seed, config.json's vocab_size set to match,
/// the vocabulary-sized MLM head and non-float buffers (position ids) left out, written as model.safetensors.
/// The numbers these folders train to are not compared with anything; what is tested is that they load, train,
/// evaluate every word, save and reload.
/// </summary>
internal static class SubwordWorld
{
    private static readonly Lazy<string> Roberta = new(() => Build("tiny-roberta", "bytelevel-bpe", ["vocab.json", "merges.txt", "tokenizer_config.json"]));
    private static readonly Lazy<string> XlmRoberta = new(() => Build("tiny-xlm-roberta", "unigram", ["tokenizer.json.gz", "tokenizer_config.json"]));

    public static string RobertaDir => Roberta.Value;

    public static string XlmRobertaDir => XlmRoberta.Value;

    private static string Fixtures => Path.Combine(AppContext.BaseDirectory, "Fixtures");

    /// <summary>The number of ids a tokenizer folder holds, read independently of the code under test.</summary>
    internal static int IdCount(string directory)
    {
        var vocabJson = Path.Combine(directory, "vocab.json");
        if (File.Exists(vocabJson))
            return JsonNode.Parse(File.ReadAllText(vocabJson))!.AsObject().Max(kv => kv.Value!.GetValue<int>()) + 1;
        var tokenizer = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "tokenizer.json")))!;
        var added = tokenizer["added_tokens"]!.AsArray().Select(t => t!["id"]!.GetValue<int>());
        return Math.Max(tokenizer["model"]!["vocab"]!.AsArray().Count, added.Max() + 1);
    }

    private static string Build(string checkpoint, string tokenizer, string[] tokenizerFiles)
    {
        var dir = TinyWorld.TempDir("subword-" + checkpoint);
        foreach (var file in tokenizerFiles)
        {
            var source = Path.Combine(Fixtures, "subword", tokenizer, file);
            if (file.EndsWith(".gz", StringComparison.Ordinal))
            {
                using var gz = new GZipStream(File.OpenRead(source), CompressionMode.Decompress);
                using var target = File.Create(Path.Combine(dir, file[..^3]));
                gz.CopyTo(target);
            }
            else
            {
                File.Copy(source, Path.Combine(dir, file));
            }
        }
        var vocabSize = IdCount(dir);

        var weights = Path.Combine(Fixtures, checkpoint, "pytorch_model.bin");
        var names = CheckpointFile.ReadHeader(weights)
            .Where(h => h.DType == "F32" && !h.Name.StartsWith("lm_head.", StringComparison.Ordinal)).Select(h => h.Name).ToArray();
        var tensors = CheckpointFile.Read(weights, names).Values.Select(t =>
            t.Name.EndsWith("embeddings.word_embeddings.weight", StringComparison.Ordinal) ? Resize(t, vocabSize) : t).ToArray();
        Assert.That(tensors.Count(t => t.Shape[0] == vocabSize), Is.EqualTo(1), "one word-embedding table resized");
        Safetensors.Write(Path.Combine(dir, "model.safetensors"), tensors);

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures, checkpoint, "config.json")))!.AsObject();
        config["vocab_size"] = vocabSize;
        File.WriteAllText(Path.Combine(dir, "config.json"), Invariant.ToJson(config) + "\n");
        return dir;
    }

    private static SafetensorsEntry Resize(SafetensorsEntry table, int rows)
    {
        var hidden = (int)table.Shape[1];
        var data = new float[rows * hidden];
        Array.Copy(table.Data, data, table.Data.Length);
        var random = new Random(25);
        for (int i = table.Data.Length; i < data.Length; i++)
        {
            // Box–Muller: N(0, 0.02), the family's initializer_range.
            var u = 1.0 - random.NextDouble();
            data[i] = (float)(0.02 * Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }
        return table with { Shape = [rows, hidden], Data = data };
    }
}
