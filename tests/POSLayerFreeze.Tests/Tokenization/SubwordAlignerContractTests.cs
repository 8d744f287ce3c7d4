using System.Globalization;
using System.Text.Json;
using POSLayerFreeze.Cli.Commands;
using POSLayerFreeze.Data;
using POSLayerFreeze.Models;
using POSLayerFreeze.Tests.Experiments;
using POSLayerFreeze.Tokenization;

namespace POSLayerFreeze.Tests.Tokenization;

/// <summary>
/// The byte-level BPE and Unigram tokenizers at the edges, against crafted words that Hugging Face's tokenizers
/// encoded (Fixtures/subword/*/crafted.jsonl, eng/hf-tokenizers/generate-subword.js), and the contract shared with
/// WordPiece: RoBERTa/XLM-R framing ids, a word with no token becomes &lt;unk&gt;, windows label every word once.
/// </summary>
[TestFixture]
public class SubwordAlignerContractTests
{
    private static WordTokenizer For(string kind) => kind == "unigram" ? SubwordParityTests.Unigram.Value : SubwordParityTests.Bpe.Value;

    [TestCase("bytelevel-bpe")]
    [TestCase("unigram")]
    public void Crafted_words_match_Hugging_Face_and_an_empty_word_becomes_unk(string kind)
    {
        var tokenizer = For(kind);
        var lines = File.ReadAllLines(Path.Combine(SubwordParityTests.FixtureDir(kind), "crafted.jsonl"));
        Assert.That(lines, Has.Length.GreaterThan(40));
        int empty = 0;
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            var word = doc.RootElement.GetProperty("word").GetString()!;
            int[] hf = [.. doc.RootElement.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32())];
            if (hf.Length == 0) empty++;
            // Our one deliberate difference: a word Hugging Face encodes to nothing gets <unk>, so it still gets a prediction.
            Assert.That(tokenizer.EncodeWord(word), Is.EqualTo(hf.Length == 0 ? [tokenizer.UnkId] : hf), JsonSerializer.Serialize(word));
        }
        Assert.That(empty, Is.GreaterThan(0), "the crafted words include ones that Hugging Face encodes to no token");
    }

    [TestCase("bytelevel-bpe")]
    [TestCase("unigram")]
    public void Framing_ids_are_RoBERTa_and_XLM_R_s(string kind)
    {
        var tokenizer = For(kind);
        Assert.That((tokenizer.ClsId, tokenizer.PadId, tokenizer.SepId, tokenizer.UnkId), Is.EqualTo((0, 1, 2, 3)));
        var encoded = tokenizer.Encode(["a", "b"]);
        Assert.That(encoded.InputIds[0], Is.EqualTo(0));
        Assert.That(encoded.InputIds[^1], Is.EqualTo(2));
        Assert.That(encoded.WordIds[0], Is.Null);
        Assert.That(encoded.WordIds[^1], Is.Null);
    }

    [Test]
    public void Byte_level_BPE_never_gives_unk_and_every_word_starts_with_G_dot()
    {
        var tokenizer = For("bytelevel-bpe");
        var vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(Path.Combine(SubwordParityTests.FixtureDir("bytelevel-bpe"), "vocab.json")))!;
        var tokens = vocab.ToDictionary(kv => kv.Value, kv => kv.Key);
        foreach (var word in new[] { "\u2603", "\U0001F44D", "\u0001", "zolédronique", "\u4e2d", "x" })
        {
            var ids = tokenizer.EncodeWord(word);
            Assert.That(ids, Has.No.Member(tokenizer.UnkId), word);
            Assert.That(tokens[ids[0]], Does.StartWith("\u0120"), $"{word}: add_prefix_space gives every word its leading space");
        }
    }

    [Test]
    public void Unigram_fuses_adjacent_unknown_characters_into_one_unk()
    {
        var tokenizer = For("unigram");
        Assert.That(tokenizer.EncodeWord("\u2603\u2603\u2603").Count(id => id == tokenizer.UnkId), Is.EqualTo(1));
        Assert.That(tokenizer.EncodeWord("a\u2603b\u2603").Count(id => id == tokenizer.UnkId), Is.EqualTo(2), "separated by known pieces");
    }

    [TestCase("bytelevel-bpe")]
    [TestCase("unigram")]
    public void Windows_label_every_word_once_on_its_first_sub_token(string kind)
    {
        var tokenizer = For(kind);
        string[] words = ["The", "zolédronique", "\u2603", "", "of", "intraveineuse", "New York", "."];
        int[] labels = [.. Enumerable.Range(0, words.Length)];
        var whole = tokenizer.Encode(words);
        foreach (var maxLength in new[] { 5, 8, 512 })
        {
            var windows = tokenizer.Windows(words, labels, maxLength);
            Assert.That(windows.Sum(w => w.WordCount), Is.EqualTo(words.Length), $"max {maxLength}");
            var labelled = windows.SelectMany(w => w.Labels.Where(l => l != Upos.IgnoreIndex)).ToArray();
            Assert.That(labelled, Is.EqualTo(labels), $"max {maxLength}");
            Assert.That(windows.All(w => w.Length <= maxLength && w.InputIds[0] == tokenizer.ClsId && w.InputIds[^1] == tokenizer.SepId), Is.True);
            if (maxLength == 512) Assert.That(windows.Single().InputIds, Is.EqualTo(whole.InputIds));
        }
    }

    [Test]
    public void The_seam_picks_the_tokenizer_by_kind_and_folders_are_detected_by_their_files()
    {
        Assert.That(WordTokenizers.Detect(SubwordParityTests.FixtureDir("bytelevel-bpe")), Is.EqualTo(TokenizerKind.ByteLevelBpe));
        Assert.That(WordTokenizers.Detect(SubwordParityTests.UnigramFolder.Value), Is.EqualTo(TokenizerKind.Unigram));
        Assert.That(WordTokenizers.FromFolder(TokenizerKind.ByteLevelBpe, SubwordParityTests.FixtureDir("bytelevel-bpe")), Is.TypeOf<ByteLevelBpeAligner>());
        Assert.That(WordTokenizers.FromFolder(TokenizerKind.Unigram, SubwordParityTests.UnigramFolder.Value), Is.TypeOf<UnigramAligner>());
        Assert.That(WordTokenizers.For(TinyWorld.Model), Is.TypeOf<WordPieceAligner>());
    }

    [Test]
    public void Missing_or_unimplemented_tokenizer_files_are_refused_in_one_line_naming_the_file()
    {
        var dir = Directory.CreateTempSubdirectory("poslf-subword-").FullName;
        try
        {
            File.Copy(Path.Combine(SubwordParityTests.FixtureDir("bytelevel-bpe"), "vocab.json"), Path.Combine(dir, "vocab.json"));
            var missing = Assert.Throws<FileNotFoundException>(() => WordTokenizers.FromFolder(TokenizerKind.ByteLevelBpe, dir))!;
            Assert.That(missing.Message, Does.Contain("merges.txt").And.Not.Contain("\n"));

            var json = File.ReadAllText(Path.Combine(SubwordParityTests.UnigramFolder.Value, "tokenizer.json"));
            File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json.Replace("\"type\":\"Precompiled\"", "\"type\":\"Nmt\"", StringComparison.Ordinal));
            var normalizer = Assert.Throws<InvalidDataException>(() => WordTokenizers.FromFolder(TokenizerKind.Unigram, dir))!;
            Assert.That(normalizer.Message, Does.Contain("tokenizer.json").And.Contain("normalizer Nmt is not implemented"));

            File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json.Replace("\"unk_id\":3", "\"unk_id\":null", StringComparison.Ordinal));
            Assert.That(() => WordTokenizers.FromFolder(TokenizerKind.Unigram, dir), Throws.TypeOf<InvalidDataException>().With.Message.Contains("unk_id"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void Scores_are_read_as_serde_json_reads_them()
    {
        // 17 significant digits: the u64 significand is rounded to a double, then divided by 10^16; a correctly rounded
        // parse differs from that in the last bit for this value (found on EWT dev, where it flipped a Viterbi tie).
        var text = "-7.5467661473556245";
        double serde = (double)75467661473556245UL / 1e16;
        Assert.That(serde, Is.Not.EqualTo(-double.Parse(text, CultureInfo.InvariantCulture)), "a case where the two parses differ");
        Assert.That(UnigramAligner.RustJsonDouble(text), Is.EqualTo(-serde));
        Assert.That(UnigramAligner.RustJsonDouble("-2.5e-3"), Is.EqualTo(-25 / 1e4));
        Assert.That(UnigramAligner.RustJsonDouble("0"), Is.Zero);
    }

    [Test]
    public void Tokenize_command_reads_a_model_folder_of_either_kind()
    {
        var dir = Directory.CreateTempSubdirectory("poslf-tokenize-").FullName;
        try
        {
            foreach (var (kind, folder) in new[] { ("bytelevel-bpe", SubwordParityTests.FixtureDir("bytelevel-bpe")), ("unigram", SubwordParityTests.UnigramFolder.Value) })
            {
                var output = Path.Combine(dir, $"{kind}.jsonl");
                var command = TokenizeCommand.Create(() => throw new AssertionException("--model must not fall back to the default vocabulary"));
                int exit = command.Parse(["--split", "dev", "--data-dir", TestPaths.DatasetDir, "--model", folder, "--out", output]).Invoke();
                Assert.That(exit, Is.Zero, kind);
                var ours = HfReference.Load(output);
                var first = For(kind).Encode(ours[0].Words);
                Assert.That((ours.Count, ours[0].InputIds, ours[0].WordIds), Is.EqualTo((2_001, first.InputIds, first.WordIds)), kind);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
