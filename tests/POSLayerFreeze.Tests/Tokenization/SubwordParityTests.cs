using System.IO.Compression;
using System.Text.Json;
using POSLayerFreeze.Data;
using POSLayerFreeze.Models;
using POSLayerFreeze.Tokenization;

namespace POSLayerFreeze.Tests.Tokenization;

/// <summary>
/// Byte-level BPE (RoBERTa) and Unigram (XLM-R) word-aligned tokenization held to 100% of the dev sentences of three
/// treebanks against Hugging Face's own tokenizers library (npm tokenizers 0.23.2, eng/hf-tokenizers/generate-subword.js,
/// which also trained the two small vocabularies committed beside the expected outputs).
/// </summary>
[TestFixture]
public class SubwordParityTests
{
    internal static string FixtureDir(string kind) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "subword", kind);

    internal static readonly Lazy<WordTokenizer> Bpe = new(() => WordTokenizers.FromFolder(TokenizerKind.ByteLevelBpe, FixtureDir("bytelevel-bpe")));

    /// <summary>The Unigram fixture as a model folder: its tokenizer.json is committed gzipped (the charsmap is most of it).</summary>
    internal static readonly Lazy<string> UnigramFolder = new(() =>
    {
        var folder = Path.Combine(Path.GetTempPath(), $"poslf-unigram-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        using (var source = new GZipStream(File.OpenRead(Path.Combine(FixtureDir("unigram"), "tokenizer.json.gz")), CompressionMode.Decompress))
        using (var target = File.Create(Path.Combine(folder, "tokenizer.json")))
            source.CopyTo(target);
        File.Copy(Path.Combine(FixtureDir("unigram"), "tokenizer_config.json"), Path.Combine(folder, "tokenizer_config.json"), overwrite: true);
        return folder;
    });

    internal static readonly Lazy<WordTokenizer> Unigram = new(() => WordTokenizers.FromFolder(TokenizerKind.Unigram, UnigramFolder.Value));

    [TestCase("bytelevel-bpe", "ud-english-ewt", "en_ewt", 2_001)]
    [TestCase("bytelevel-bpe", "ud-english-lines", "en_lines", 1_118)]
    [TestCase("bytelevel-bpe", "ud-french-sequoia", "fr_sequoia", 412)]
    [TestCase("unigram", "ud-english-ewt", "en_ewt", 2_001)]
    [TestCase("unigram", "ud-english-lines", "en_lines", 1_118)]
    [TestCase("unigram", "ud-french-sequoia", "fr_sequoia", 412)]
    public void Every_dev_sentence_matches_Hugging_Face_tokenizers(string kind, string folder, string name, int sentences)
    {
        var tokenizer = kind == "unigram" ? Unigram.Value : Bpe.Value;
        var gold = Treebank.FromFolder(Path.Combine(TestPaths.SharedDir, "datasets", folder), "test").Load("dev");
        var reference = Load(Path.Combine(FixtureDir(kind), $"{name}-dev.jsonl.gz"), gold);
        Assert.That(reference, Has.Count.EqualTo(sentences));
        var mismatches = new List<string>();
        int equal = 0;
        foreach (var (expected, index) in reference.Select((r, i) => (r, i)))
        {
            var actual = tokenizer.Encode(expected.Words);
            if (actual.InputIds.SequenceEqual(expected.InputIds) && actual.WordIds.SequenceEqual(expected.WordIds)) equal++;
            else if (mismatches.Count < 5)
                mismatches.Add($"sentence {index}: [{string.Join(" | ", expected.Words)}]\n  hf  [{string.Join(",", expected.InputIds)}]\n  ours[{string.Join(",", actual.InputIds)}]");
        }
        TestContext.Out.WriteLine($"{kind} {name} dev: {equal}/{reference.Count} identical");
        Assert.That(mismatches, Is.Empty, string.Join("\n", mismatches));
    }

    /// <summary>The fixture holds ids only; the words come from the treebank file (checked by sent_id), so no treebank text is committed.</summary>
    private static List<HfEncoded> Load(string path, IReadOnlyList<ConlluSentence> gold)
    {
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        var rows = new List<HfEncoded>();
        while (reader.ReadLine() is { Length: > 0 } line)
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            var sentence = gold[rows.Count];
            Assert.That(root.GetProperty("sent_id").GetString(), Is.EqualTo(sentence.SentId ?? ""), $"{path} line {rows.Count + 1}");
            rows.Add(new HfEncoded(sentence.Forms(),
                [.. root.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32())],
                [.. root.GetProperty("word_ids").EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? (int?)null : e.GetInt32())]));
        }
        return rows;
    }
}
