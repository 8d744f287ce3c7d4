using System.IO.Compression;
using System.Text.Json;
using POSLayerFreeze.Data;
using POSLayerFreeze.Models;
using POSLayerFreeze.Tokenization;

namespace POSLayerFreeze.Tests.Tokenization;

/// <summary>
/// Our tokenizer under tokenizer_config.json settings: held to 100% against fixtures that Hugging Face's own tokenizers
/// library wrote (eng/hf-tokenizers, npm tokenizers 0.23.2) for LinES and Sequoia dev, uncased and cased; hand-written
/// cases for what that oracle cannot show per word (never_split, which only the Python BertTokenizer has) and CJK.
/// </summary>
[TestFixture]
public class TokenizerSettingsTests
{
    private static string FixtureDir => Path.Combine(AppContext.BaseDirectory, "Fixtures", "wordpiece");

    private static readonly Lazy<WordPieceAligner> Uncased = new(() => WordPieceAligner.FromVocab(HfReference.VocabPath, BertTokenizerSettings.Uncased));

    // The cased setting uses the same (uncased) vocabulary with do_lower_case false: no cased vocabulary is available
    // here, and the setting's normalization (no lowercasing, no accent stripping) is what is under test.
    [TestCase("ud-english-lines", "en_lines", "uncased", 1_118)]
    [TestCase("ud-english-lines", "en_lines", "cased", 1_118)]
    [TestCase("ud-french-sequoia", "fr_sequoia", "uncased", 412)]
    [TestCase("ud-french-sequoia", "fr_sequoia", "cased", 412)]
    public void Every_dev_sentence_matches_Hugging_Face_tokenizers(string folder, string name, string setting, int sentences)
    {
        var settings = setting == "cased" ? BertTokenizerSettings.Cased : BertTokenizerSettings.Uncased;
        var aligner = WordPieceAligner.FromVocab(HfReference.VocabPath, settings);
        var gold = Treebank.FromFolder(Path.Combine(TestPaths.SharedDir, "datasets", folder), "test").Load("dev");
        var reference = Load(Path.Combine(FixtureDir, $"{name}-dev-{setting}.jsonl.gz"), gold);
        Assert.That(reference, Has.Count.EqualTo(sentences));
        var mismatches = new List<string>();
        int equal = 0;
        foreach (var (expected, index) in reference.Select((r, i) => (r, i)))
        {
            var actual = aligner.Encode(expected.Words);
            var patched = HfReference.ExpectedWithUnkForEmptyWords(expected, aligner.UnkId);
            if (actual.InputIds.SequenceEqual(patched.InputIds) && actual.WordIds.SequenceEqual(patched.WordIds)) equal++;
            else if (mismatches.Count < 5)
                mismatches.Add($"sentence {index}: [{string.Join(" | ", expected.Words)}]\n  hf  [{string.Join(",", expected.InputIds)}]\n  ours[{string.Join(",", actual.InputIds)}]");
        }
        TestContext.Out.WriteLine($"{name} dev {setting}: {equal}/{reference.Count} identical");
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

    private static int Id(string token) => File.ReadLines(HfReference.VocabPath).Select((t, i) => (t, i)).First(x => x.t == token).i;

    [Test]
    public void Never_split_words_are_looked_up_whole_without_lowercasing_or_punctuation_splitting()
    {
        var settings = BertTokenizerSettings.Uncased with { NeverSplit = ["[foo]", "don't", "Hello"] };
        var aligner = WordPieceAligner.FromVocab(HfReference.VocabPath, settings);
        Assert.Multiple(() =>
        {
            Assert.That(Uncased.Value.EncodeWord("don't"), Has.Count.EqualTo(3), "without never_split: don ' t");
            Assert.That(aligner.EncodeWord("don't"), Is.EqualTo(new[] { aligner.UnkId }), "whole 'don't' is not in the vocabulary");
            Assert.That(aligner.EncodeWord("[foo]"), Is.EqualTo(new[] { aligner.UnkId }));
            Assert.That(aligner.EncodeWord("Hello"), Is.EqualTo(new[] { aligner.UnkId }), "kept as cased 'Hello', which an uncased vocab lacks");
            Assert.That(aligner.EncodeWord("hello"), Is.EqualTo(new[] { Id("hello") }));
            Assert.That(aligner.EncodeWord("HELLO"), Is.EqualTo(new[] { Id("hello") }), "only exact entries are kept whole");
        });
    }

    [Test]
    public void Special_tokens_inside_a_word_stay_whole_and_are_not_lowercased()
    {
        var aligner = Uncased.Value;
        Assert.Multiple(() =>
        {
            Assert.That(aligner.EncodeWord("[SEP]"), Is.EqualTo(new[] { aligner.SepId }));
            Assert.That(aligner.EncodeWord("a[MASK]b"), Is.EqualTo(new[] { Id("a"), Id("[MASK]"), Id("b") }));
            Assert.That(aligner.EncodeWord("[Sep]"), Is.EqualTo(new[] { Id("["), Id("sep"), Id("]") }), "matching is case-sensitive");
        });
    }

    [Test]
    public void CJK_ideographs_become_single_pieces_unless_tokenize_chinese_chars_is_off()
    {
        var off = WordPieceAligner.FromVocab(HfReference.VocabPath, BertTokenizerSettings.Uncased with { TokenizeChineseChars = false });
        Assert.Multiple(() =>
        {
            // 中 and 国 are both in the bert-base vocabulary; 中国 as a whole is not.
            Assert.That(Uncased.Value.EncodeWord("中国"), Is.EqualTo(new[] { Id("中"), Id("国") }));
            Assert.That(Uncased.Value.EncodeWord("a中b"), Is.EqualTo(new[] { Id("a"), Id("中"), Id("b") }));
            Assert.That(off.EncodeWord("中国"), Is.EqualTo(new[] { Id("中"), Id("##国") }), "one WordPiece word: 中 then ##国");
            Assert.That(Uncased.Value.EncodeWord("カタカナ"), Is.EqualTo(off.EncodeWord("カタカナ")), "kana are not CJK ideographs");
        });
    }

    [Test]
    public void Accents_follow_strip_accents_and_lowercase_separately()
    {
        var lowerKeepAccents = WordPieceAligner.FromVocab(HfReference.VocabPath, BertTokenizerSettings.Uncased with { StripAccents = false });
        var casedStrip = WordPieceAligner.FromVocab(HfReference.VocabPath, BertTokenizerSettings.Cased with { StripAccents = true });
        Assert.Multiple(() =>
        {
            // The uncased vocabulary holds no é at all: a kept accent makes the word unknown.
            Assert.That(lowerKeepAccents.EncodeWord("CAFÉ"), Is.EqualTo(new[] { lowerKeepAccents.UnkId }), "lowercased, accent kept");
            Assert.That(lowerKeepAccents.EncodeWord("CAFE"), Is.EqualTo(new[] { Id("cafe") }), "lowercased");
            Assert.That(Uncased.Value.EncodeWord("CAFÉ"), Is.EqualTo(new[] { Id("cafe") }));
            Assert.That(Uncased.Value.EncodeWord("Été"), Is.EqualTo(Uncased.Value.EncodeWord("ete")));
            Assert.That(casedStrip.EncodeWord("café"), Is.EqualTo(Uncased.Value.EncodeWord("cafe")), "accents stripped, case kept (already lower)");
            Assert.That(casedStrip.EncodeWord("Café"), Is.EqualTo(new[] { casedStrip.UnkId }), "'Cafe' keeps its capital");
        });
    }

    private string _dir = "";

    [SetUp]
    public void CreateDir() => _dir = Directory.CreateTempSubdirectory("poslf-tokcfg-").FullName;

    [TearDown]
    public void DeleteDir() => Directory.Delete(_dir, recursive: true);

    private string Config(string json)
    {
        var path = Path.Combine(_dir, "tokenizer_config.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Test]
    public void Config_keys_are_read_with_Hugging_Face_defaults_for_the_rest()
    {
        var settings = BertTokenizerSettings.FromFile(Config(
            """{"tokenizer_class": "BertTokenizer", "do_lower_case": false, "never_split": ["x"], "unk_token": {"content": "[UNK]", "lstrip": false, "__type": "AddedToken"}, "model_max_length": 512}"""));
        Assert.Multiple(() =>
        {
            Assert.That(settings.DoLowerCase, Is.False);
            Assert.That(settings.StripsAccents, Is.False, "strip_accents absent follows do_lower_case");
            Assert.That(settings.TokenizeChineseChars, Is.True);
            Assert.That(settings.NeverSplit, Is.EqualTo(new[] { "x" }));
            Assert.That(settings.UnkToken, Is.EqualTo("[UNK]"));
            Assert.That(BertTokenizerSettings.FromFile(Config("{}")).IsDefault, Is.True);
        });
    }

    [TestCase("""{"tokenizer_class": "RobertaTokenizer"}""", "tokenizer_class 'RobertaTokenizer' is not implemented")]
    [TestCase("""{"tokenizer_class": "XLMRobertaTokenizerFast"}""", "tokenizer_class 'XLMRobertaTokenizerFast' is not implemented")]
    [TestCase("""{"do_basic_tokenize": false}""", "do_basic_tokenize false is not implemented")]
    [TestCase("""{"do_lower_case": "yes"}""", "do_lower_case must be true or false")]
    [TestCase("""{"never_split": "x"}""", "never_split must be a list")]
    [TestCase("""{"cls_token": 5}""", "cls_token must be a non-empty string")]
    [TestCase("""{"do_lower_case": tru""", "not valid JSON")]
    public void Unimplemented_or_malformed_settings_are_refused_naming_the_file_and_key(string json, string expected)
    {
        var path = Config(json);
        var error = Assert.Catch(() => BertTokenizerSettings.FromFile(path))!;
        Assert.That(error.Message, Does.Contain(expected).And.Contain(path));
        Assert.That(error, Is.TypeOf<InvalidDataException>(), "a user error, not an internal one (CliErrors labels NotSupportedException internal)");
    }

    [Test]
    public void A_special_token_missing_from_the_vocabulary_is_refused()
    {
        var settings = BertTokenizerSettings.Uncased with { AdditionalSpecialTokens = ["<not-in-vocab>"] };
        Assert.That(() => WordPieceAligner.FromVocab(HfReference.VocabPath, settings),
            Throws.TypeOf<InvalidDataException>().With.Message.Contains("<not-in-vocab>").And.Message.Contains(HfReference.VocabPath));
    }

    [Test]
    public void A_model_folder_without_tokenizer_config_gets_the_uncased_defaults_whatever_its_name()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "bert-base-cased")).FullName;
        foreach (var file in new[] { "config.json", "model.safetensors" })
            File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny-bert", file), Path.Combine(folder, file));
        // A vocabulary that fits the tiny model's 128 embeddings (a longer one is refused when the folder is resolved).
        File.WriteAllLines(Path.Combine(folder, "vocab.txt"), POSLayerFreeze.Tests.Experiments.TinyWorld.Vocabulary());
        Assert.That(ModelCatalog.Resolve(folder).Tokenizer!.IsDefault, Is.True);
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """{"do_lower_case": false}""");
        Assert.That(ModelCatalog.Resolve(folder).Lowercase, Is.False);
    }
}
