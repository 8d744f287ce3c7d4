using System.Text;
using POSLayerFreeze.Tokenization;

namespace POSLayerFreeze.Tests.Tokenization;

/// <summary>
/// What the aligner promises besides the ids that the Hugging Face fixtures check: how a vocab.txt is read (line numbers
/// as ids, blank lines, CRLF, byte-order marks, the caller's stream), which errors it gives, argument checks, never_split
/// words found whole, window boundaries, and how raw text is cut into words (TextWords: FORMs and the whitespace after them).
/// </summary>
[TestFixture]
public class WordPieceAlignerContractTests
{
    private static WordPieceAligner? _uncased;
    private static WordPieceAligner Uncased => _uncased ??= WordPieceAligner.FromVocab(HfReference.VocabPath, lowercase: true);

    private static int Id(string token) => File.ReadLines(HfReference.VocabPath).Select((t, i) => (t, i)).First(x => x.t == token).i;

    private static MemoryStream Vocab(string text, Encoding? encoding = null)
    {
        encoding ??= new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        return new MemoryStream([.. encoding.GetPreamble(), .. encoding.GetBytes(text)]);
    }

    private const string TinyVocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n##s\n";

    [Test]
    public void The_stream_overloads_pick_the_uncased_or_cased_defaults()
    {
        using (var stream = File.OpenRead(HfReference.VocabPath))
        {
            var uncased = WordPieceAligner.FromVocab(stream, lowercase: true);
            Assert.That((uncased.Lowercase, uncased.Settings), Is.EqualTo((true, BertTokenizerSettings.Uncased)));
            Assert.That(uncased.EncodeWord("Hello"), Is.EqualTo(new[] { Id("hello") }));
        }
        using (var stream = File.OpenRead(HfReference.VocabPath))
        {
            var cased = WordPieceAligner.FromVocab(stream, lowercase: false);
            Assert.That((cased.Lowercase, cased.Settings), Is.EqualTo((false, BertTokenizerSettings.Cased)));
            Assert.That(cased.EncodeWord("Hello"), Is.EqualTo(new[] { cased.UnkId }), "the uncased vocabulary has no 'Hello'");
        }
    }

    [Test]
    public void Ids_are_line_numbers_and_blank_lines_count_but_are_no_token()
    {
        // Hugging Face's load_vocab numbers every line; a blank line takes a number and holds no token.
        var aligner = WordPieceAligner.FromVocab(Vocab("[PAD]\n\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n"), BertTokenizerSettings.Uncased);
        Assert.That((aligner.PadId, aligner.UnkId, aligner.ClsId, aligner.SepId), Is.EqualTo((0, 2, 3, 4)));
        Assert.That(aligner.EncodeWord("hello"), Is.EqualTo(new[] { 6 }));
        var blankSpecial = BertTokenizerSettings.Uncased with { AdditionalSpecialTokens = [""] };
        var e = Assert.Throws<InvalidDataException>(() => WordPieceAligner.FromVocab(Vocab("[PAD]\n\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n"), blankSpecial));
        Assert.That(e!.Message, Is.EqualTo("special token(s)  not in the vocabulary"), "a blank line is not the token \"\"");
    }

    [Test]
    public void A_duplicated_token_takes_the_id_of_its_last_line_as_in_hugging_face()
    {
        // transformers' load_vocab: `for index, token in enumerate(tokens): vocab[token.rstrip("\n")] = index`, so a
        // later line replaces an earlier one. Before, the WordPiece library refused the file with .NET's
        // "An item with the same key has already been added" and no file name.
        var aligner = WordPieceAligner.FromVocab(Vocab(TinyVocab + "hello\n[UNK]\n"), BertTokenizerSettings.Uncased);
        Assert.That(aligner.EncodeWord("hellos"), Is.EqualTo(new[] { 7, 6 }), "the piece found by WordPiece gets the last id too");
        Assert.That(aligner.EncodeWord("hello"), Is.EqualTo(new[] { 7 }));
        Assert.That(aligner.UnkId, Is.EqualTo(8), "special tokens as well");
        Assert.That(aligner.EncodeWord("xyz"), Is.EqualTo(new[] { 8 }));
        Assert.That(aligner.EncodeWord("[UNK]"), Is.EqualTo(new[] { 8 }), "a special token inside a word");
    }

    [TestCase("\n")]
    [TestCase("\r\n")]
    [TestCase("\r")]
    public void Lf_crlf_and_cr_line_ends_give_the_same_ids(string lineEnd)
    {
        // Python's text mode (universal newlines), which load_vocab reads through, ends a line at each of the three
        // and drops it; "[UNK]\r" is never a token there, nor here.
        var aligner = WordPieceAligner.FromVocab(Vocab(TinyVocab.Replace("\n", lineEnd, StringComparison.Ordinal)), BertTokenizerSettings.Uncased);
        Assert.That((aligner.PadId, aligner.UnkId, aligner.ClsId, aligner.SepId), Is.EqualTo((0, 1, 2, 3)));
        Assert.That(aligner.EncodeWord("hellos"), Is.EqualTo(new[] { 5, 6 }));
    }

    [Test]
    public void A_vocabulary_without_the_special_tokens_is_refused_naming_them_and_the_file()
    {
        var e = Assert.Throws<InvalidDataException>(() => WordPieceAligner.FromVocab(Vocab("[PAD]\n[UNK]\n[SEP]\nhello\n"), BertTokenizerSettings.Uncased));
        Assert.That(e!.Message, Is.EqualTo("special token(s) [CLS], [MASK] not in the vocabulary"));

        var dir = Directory.CreateTempSubdirectory("poslf-vocab-").FullName;
        try
        {
            var path = Path.Combine(dir, "vocab.txt");
            File.WriteAllText(path, "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n");
            e = Assert.Throws<InvalidDataException>(() => WordPieceAligner.FromVocab(path, lowercase: true));
            Assert.That(e!.Message, Is.EqualTo($"{path}: special token(s) [MASK] not in the vocabulary"));
            var extra = BertTokenizerSettings.Uncased with { AdditionalSpecialTokens = ["<ent>"] };
            e = Assert.Throws<InvalidDataException>(() => WordPieceAligner.FromVocab(Vocab(TinyVocab), extra));
            Assert.That(e!.Message, Is.EqualTo("special token(s) <ent> not in the vocabulary"), "additional special tokens are checked too");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void A_byte_order_mark_is_honoured_and_never_part_of_the_first_token()
    {
        foreach (var encoding in new Encoding[] { new UTF8Encoding(true), new UnicodeEncoding(bigEndian: false, byteOrderMark: true), new UnicodeEncoding(bigEndian: true, byteOrderMark: true) })
        {
            var aligner = WordPieceAligner.FromVocab(Vocab(TinyVocab.Replace("\n", "\r\n", StringComparison.Ordinal), encoding), BertTokenizerSettings.Uncased);
            Assert.That((aligner.PadId, aligner.UnkId), Is.EqualTo((0, 1)), encoding.WebName);
            Assert.That(aligner.EncodeWord("hellos"), Is.EqualTo(new[] { 5, 6 }), encoding.WebName);
        }
    }

    [Test]
    public void The_callers_stream_is_left_open()
    {
        using var stream = Vocab(TinyVocab);
        WordPieceAligner.FromVocab(stream, BertTokenizerSettings.Uncased);
        Assert.That(stream.CanRead, Is.True, "the stream belongs to the caller");
    }

    [Test]
    public void Null_arguments_are_refused_by_name()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Assert.Throws<ArgumentNullException>(() => WordPieceAligner.FromVocab((Stream)null!, BertTokenizerSettings.Uncased))!.ParamName, Is.EqualTo("vocab"));
            Assert.That(Assert.Throws<ArgumentNullException>(() => WordPieceAligner.FromVocab(Vocab(TinyVocab), null!))!.ParamName, Is.EqualTo("settings"));
            Assert.That(Assert.Throws<ArgumentNullException>(() => Uncased.Encode(null!))!.ParamName, Is.EqualTo("words"));
            Assert.That(Assert.Throws<ArgumentNullException>(() => Uncased.Windows(null!, [1], 8))!.ParamName, Is.EqualTo("words"));
            Assert.That(Assert.Throws<ArgumentNullException>(() => Uncased.Windows(["a"], null!, 8))!.ParamName, Is.EqualTo("labels"));
            Assert.That(Assert.Throws<ArgumentNullException>(() => POSLayerFreeze.Experiments.TextWords.Split(null!))!.ParamName, Is.EqualTo("line"));
        });
    }

    [Test]
    public void An_empty_sentence_is_cls_and_sep()
    {
        // As Hugging Face encodes an empty word list; the lists' initial capacity must not go negative.
        var encoded = Uncased.Encode([]);
        Assert.That(encoded.InputIds, Is.EqualTo(new[] { Uncased.ClsId, Uncased.SepId }));
        Assert.That(encoded.WordIds, Is.EqualTo(new int?[] { null, null }));
    }

    [Test]
    public void Mismatched_labels_are_refused_with_both_counts()
    {
        var e = Assert.Throws<ArgumentException>(() => Uncased.Windows(["a", "b"], [1], 8));
        Assert.That((e!.ParamName, e.Message), Is.EqualTo(("labels", "1 labels for 2 words (Parameter 'labels')")));
    }

    [Test]
    public void A_first_word_longer_than_a_window_gets_its_own_window_and_no_empty_one_before_it()
    {
        // "jurists" is two sub-tokens; a window of 3 holds one besides [CLS] and [SEP].
        var windows = Uncased.Windows(["jurists", "on"], [4, 5], maxLength: 3);
        Assert.That(windows.Select(w => (w.FirstWord, w.WordCount)), Is.EqualTo(new[] { (0, 1), (1, 1) }));
        Assert.That(windows[0].InputIds, Is.EqualTo(new[] { Uncased.ClsId, 22757, Uncased.SepId }));
    }

    [Test]
    public void A_never_split_word_in_the_vocabulary_is_its_single_token()
    {
        var aligner = WordPieceAligner.FromVocab(HfReference.VocabPath, BertTokenizerSettings.Uncased with { NeverSplit = ["[unused1]"] });
        Assert.That(Uncased.EncodeWord("[unused1]"), Has.Count.GreaterThan(1), "split on the brackets without never_split");
        Assert.That(aligner.EncodeWord("[unused1]"), Is.EqualTo(new[] { Id("[unused1]") }));
        Assert.That(aligner.Encode(["x", "[unused1]", "y"]).InputIds, Is.EqualTo(new[] { aligner.ClsId, Id("x"), Id("[unused1]"), Id("y"), aligner.SepId }));
    }

    [Test]
    public void Special_tokens_inside_a_word_longest_first()
    {
        // "there" and "the" both special: at the same place the longer wins (Hugging Face's leftmost-longest match).
        var aligner = WordPieceAligner.FromVocab(HfReference.VocabPath, BertTokenizerSettings.Uncased with { AdditionalSpecialTokens = ["the", "there"] });
        Assert.That(aligner.EncodeWord("there"), Is.EqualTo(new[] { Id("there") }));
        Assert.That(aligner.EncodeWord("thethere"), Is.EqualTo(new[] { Id("the"), Id("there") }));
        Assert.That(aligner.EncodeWord("[SEP]the"), Is.EqualTo(new[] { aligner.SepId, Id("the") }), "a special token at the start leaves nothing before it");
        Assert.That(aligner.EncodeWord("THE"), Is.EqualTo(new[] { Id("the") }), "matched before lowercasing: 'THE' is an ordinary word");
    }

    [TestCase("a b,c  d", new[] { "a", "b", ",", "c", "d" }, new[] { " ", "", "", "  ", "" })]
    [TestCase("  lead", new[] { "lead" }, new[] { "" })]
    [TestCase("x\u4E2D\u6587 y", new[] { "x", "\u4E2D", "\u6587", "y" }, new[] { "", "", " ", "" })]
    [TestCase("end. ", new[] { "end", "." }, new[] { "", " " })]
    [TestCase("a\u200Bb\u0000c\uFFFDd", new[] { "a\u200Bb\u0000c\uFFFDd" }, new[] { "" })]
    [TestCase("a\u00A0b\u3000c\td", new[] { "a", "b", "c", "d" }, new[] { "\u00A0", "\u3000", "\t", "" })]
    [TestCase("", new string[0], new string[0])]
    [TestCase(" \t\u200B ", new[] { "\u200B" }, new[] { " " })]
    public void Raw_text_is_cut_into_words_keeping_every_character_and_the_whitespace_after_each(string text, string[] words, string[] after)
    {
        // The words are where Hugging Face's pre-tokenizer cuts (BoundaryParityTests checks that on the fixture), each
        // FORM the original substring; the whitespace after each word is kept, so the FORMs rebuild the line.
        var split = POSLayerFreeze.Experiments.TextWords.Split(text);
        Assert.That(split.Select(w => w.Form), Is.EqualTo(words));
        Assert.That(split.Select(w => w.After), Is.EqualTo(after));
    }
}
