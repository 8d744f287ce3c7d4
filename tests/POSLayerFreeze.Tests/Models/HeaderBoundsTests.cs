using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using POSLayerFreeze.Models;
using POSLayerFreeze.Tests.Cli;
using POSLayerFreeze.Tests.Experiments;
using POSLayerFreeze.Tokenization;

namespace POSLayerFreeze.Tests.Models;

/// <summary>
/// Issue 12 §6: memory bounded by the model, not by the input. A model folder's config.json, model.safetensors
/// and vocab.txt are checked against each other from their headers and line counts before any model memory is
/// allocated or tensor data is read; each defect is one error line naming the file and the field or tensor.
/// </summary>
public class HeaderBoundsTests
{
    /// <summary>4 GiB claimed, none of it on disk: the file is sparse.</summary>
    private const long HugeBytes = 4L << 30;

    [Test]
    public void An_unused_huge_tensor_is_refused_from_the_header_without_reading_it()
    {
        var dir = CopyOfTinyModel("huge-unused");
        var weights = Path.Combine(dir, "model.safetensors");
        AppendSparseTensor(weights, "mystery.huge.weight", [HugeBytes / 4]);

        var source = ModelCatalog.Resolve(dir);   // header and config agree: the folder is a model
        var peakBefore = PeakRss();
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<CheckpointMismatchException>(() => ModelCatalog.CreateClassifier(source, 17).Dispose())!;
        Assert.That(error.Message, Does.Contain(weights));
        Assert.That(error.Unexpected, Is.EqualTo(new[] { "mystery.huge.weight" }));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
        // Reading the tensor would have taken 4 GiB; the refusal takes none of it.
        Assert.That(PeakRss() - peakBefore, Is.LessThan(256L << 20), "peak RSS grew by the tensor's size");

        var run = Poslf.Run(Run(dir));
        Poslf.AssertError(run, 1, weights);
        Assert.That(run.Stderr, Does.Contain("mystery.huge.weight"));
    }

    [Test]
    public void A_huge_tensor_an_allow_listed_head_claims_is_never_read()
    {
        // An MLM head beside the encoder is allowed and unused: skipped, not read, however big.
        var dir = CopyOfTinyModel("huge-allowed");
        AppendSparseTensor(Path.Combine(dir, "model.safetensors"), "cls.predictions.decoder.weight", [HugeBytes / 4]);
        var peakBefore = PeakRss();
        using (var model = ModelCatalog.CreateClassifier(ModelCatalog.Resolve(dir), 17)) Assert.That(model, Is.Not.Null);
        Assert.That(PeakRss() - peakBefore, Is.LessThan(256L << 20));
    }

    [TestCase("vocab_size", 2_000_000_000)]
    [TestCase("hidden_size", 64)]
    [TestCase("max_position_embeddings", 100_000)]
    [TestCase("type_vocab_size", 1000)]
    [TestCase("num_hidden_layers", 40)]
    [TestCase("intermediate_size", 1_000_000)]
    public void A_config_field_that_disagrees_with_the_weights_is_refused_before_allocating(string field, long value)
    {
        var dir = CopyOfTinyModel("config-" + field);
        var configPath = Path.Combine(dir, "config.json");
        var config = (JsonObject)JsonNode.Parse(File.ReadAllText(configPath))!;
        config[field] = value;
        if (field == "hidden_size") config["num_attention_heads"] = 4;
        File.WriteAllText(configPath, config.ToJsonString());
        var clock = Stopwatch.StartNew();
        Poslf.AssertError(Poslf.Run(Run(dir)), 1, configPath, field);
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60)), "refused at once, not after allocating");
    }

    [Test]
    public void A_vocabulary_longer_than_vocab_size_is_refused_naming_vocab_txt()
    {
        var dir = CopyOfTinyModel("vocab-long");
        var vocab = Path.Combine(dir, "vocab.txt");
        File.AppendAllLines(vocab, ["extra1", "extra2"]);
        Poslf.AssertError(Poslf.Run(Run(dir)), 1, vocab, "vocab_size 128", "more than 128 entries");
    }

    [Test]
    public void A_vocabulary_without_the_unknown_token_is_refused_naming_vocab_txt()
    {
        var dir = CopyOfTinyModel("vocab-unk");
        var vocab = Path.Combine(dir, "vocab.txt");
        File.WriteAllLines(vocab, File.ReadAllLines(vocab).Select(l => l == "[UNK]" ? "[unk-gone]" : l));
        Poslf.AssertError(Poslf.Run(Run(dir)), 1, vocab, "'[UNK]'", "unk_token");
    }

    [Test]
    public void A_duplicated_vocabulary_line_is_read_as_hugging_face_reads_it()
    {
        // Issue 29 §9: the last line of a duplicated token is its id (load_vocab), where it was .NET's "An item with
        // the same key has already been added" without a file name.
        var dir = CopyOfTinyModel("vocab-duplicate");
        var vocab = Path.Combine(dir, "vocab.txt");
        var lines = File.ReadAllLines(vocab);
        var last = lines.Length - 1;
        var repeated = lines.Select((token, id) => (token, id)).First(t => !t.token.StartsWith('[')).token;
        lines[last] = repeated;
        File.WriteAllLines(vocab, lines);

        var source = ModelCatalog.Resolve(dir);
        var aligner = WordPieceAligner.FromVocab(source.VocabPath, source.Tokenizer!);
        Assert.That(aligner.EncodeWord(repeated), Is.EqualTo(new[] { last }));
        var output = Path.Combine(TinyWorld.TempDir("vocab-duplicate-out"), "dev.jsonl");
        var run = Poslf.Run("tokenize", "--split", "dev", "--data-dir", TinyWorld.DataDir, "--vocab", vocab, "--out", output);
        Assert.That(run.ExitCode, Is.Zero, run.Stderr);
    }

    [Test]
    public void A_crlf_vocabulary_gives_the_ids_of_the_lf_one()
    {
        var dir = CopyOfTinyModel("vocab-crlf");
        var vocab = Path.Combine(dir, "vocab.txt");
        File.WriteAllText(vocab, string.Join("\r\n", File.ReadAllLines(vocab)) + "\r\n");
        var source = ModelCatalog.Resolve(dir);
        var crlf = WordPieceAligner.FromVocab(source.VocabPath, source.Tokenizer!);
        var lf = WordPieceAligner.FromVocab(TinyWorld.Model.VocabPath, TinyWorld.Model.Tokenizer!);
        string[] words = ["The", "[UNK]", "walked", "xyzzy", "."];
        Assert.That(crlf.Encode(words).InputIds, Is.EqualTo(lf.Encode(words).InputIds));
        Assert.That((crlf.UnkId, crlf.PadId), Is.EqualTo((lf.UnkId, lf.PadId)));
    }

    [Test]
    public void A_tokenizer_class_of_another_kind_is_a_user_error_naming_the_file_and_field()
    {
        // Issue 29 §10: refused by name already, but as "internal error … --verbose".
        var dir = CopyOfTinyModel("tokenizer-gpt2");
        var tokenizerConfig = Path.Combine(dir, "tokenizer_config.json");
        File.WriteAllText(tokenizerConfig, """{"tokenizer_class": "GPT2Tokenizer"}""");
        Poslf.AssertError(Poslf.Run(Run(dir)), 1, tokenizerConfig, "tokenizer_class 'GPT2Tokenizer'");
    }

    private static string[] Run(string modelDir) =>
        ["run", "--configs", "baseline", "--model", modelDir, "--data-dir", TinyWorld.DataDir, "--out", TinyWorld.TempDir("bounds-out"),
         "--train-sentences", "8", "--max-length", "32", "--batch-size", "8"];

    private static string CopyOfTinyModel(string name)
    {
        var dir = Path.Combine(TinyWorld.TempDir("bounds"), name);
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.GetFiles(TinyWorld.ModelDir)) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        return dir;
    }

    /// <summary>
    /// Rewrites <paramref name="path"/> with one more F32 tensor at the end of the data section whose bytes are a
    /// hole (SetLength): a valid safetensors file that claims far more than the disk holds.
    /// </summary>
    private static void AppendSparseTensor(string path, string name, long[] shape)
    {
        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = (JsonObject)JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength))!;
        var data = bytes.AsSpan(8 + headerLength).ToArray();
        var size = shape.Aggregate(4L, (a, d) => a * d);
        header[name] = new JsonObject
        {
            ["dtype"] = "F32",
            ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()),
            ["data_offsets"] = new JsonArray(data.Length, data.Length + size),
        };
        var text = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = new byte[(text.Length + 7) / 8 * 8];
        padded.AsSpan().Fill((byte)' ');
        text.CopyTo(padded, 0);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded.Length);
        stream.Write(prefix);
        stream.Write(padded);
        stream.Write(data);
        stream.SetLength(stream.Length + size);
    }

    /// <summary>This process's peak resident set (VmHWM), bytes.</summary>
    private static long PeakRss()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
