using POSLayerFreeze.Data;
using POSLayerFreeze.Tokenization;

namespace POSLayerFreeze.Tests.Tokenization;

[TestFixture]
public class WordPieceAlignerTests
{
    private static WordPieceAligner? _aligner;
    private static WordPieceAligner Aligner => _aligner ??= WordPieceAligner.FromVocab(HfReference.VocabPath, lowercase: true);

    private static T[] Seq<T>(params T[] items) => items;

    private static int[] Ids(params string[] words) => [.. words.SelectMany(w => Aligner.EncodeWord(w))];

    [Test]
    public void AsciiSymbolsBecomeTheirOwnTokensInsteadOfVanishing()
    {
        // ML.Tokenizers' default basic tokenization would drop these; HF treats ASCII symbols as punctuation.
        Assert.That(Aligner.EncodeWord("$"), Is.EqualTo(Seq(1002)));
        Assert.That(Ids("$5"), Is.EqualTo(Ids("$", "5")));
        Assert.That(Ids("a+b=c"), Is.EqualTo(Ids("a", "+", "b", "=", "c")));
        Assert.That(Ids("<|>"), Is.EqualTo(Ids("<", "|", ">")));
    }

    [Test]
    public void AccentsAreStrippedAndCaseFoldedForUncasedVocab()
    {
        Assert.That(Ids("Café"), Is.EqualTo(Ids("cafe")));
        Assert.That(Ids("NAÏVE"), Is.EqualTo(Ids("naive")));
        Assert.That(Ids("e\u0301"), Is.EqualTo(Ids("e")), "a decomposed accent is dropped too");
        Assert.That(Ids("Ångström"), Is.EqualTo(Ids("angstrom")));
    }

    [Test]
    public void AWordWithoutTokensBecomesUnk()
    {
        Assert.That(Aligner.EncodeWord("\u200B"), Is.EqualTo(Seq(Aligner.UnkId)), "a lone zero-width space is removed by BERT's cleaning");
        var encoded = Aligner.Encode(Seq("a", "\u0301", "b"));
        Assert.That(encoded.WordIds, Is.EqualTo(Seq<int?>(null, 0, 1, 2, null)));
        Assert.That(encoded.InputIds[2], Is.EqualTo(Aligner.UnkId));
    }

    [Test]
    public void EncodeAddsClsAndSepAndMapsSubTokensToWords()
    {
        var encoded = Aligner.Encode(Seq("jurists", "on"));
        Assert.That(encoded.InputIds, Is.EqualTo(Seq(101, 22757, 2015, 2006, 102)));
        Assert.That(encoded.WordIds, Is.EqualTo(Seq<int?>(null, 0, 0, 1, null)));
        Assert.That((Aligner.ClsId, Aligner.SepId, Aligner.PadId, Aligner.UnkId), Is.EqualTo((101, 102, 0, 100)));
    }

    [Test]
    public void CasedModelKeepsCaseAndAccents()
    {
        var cased = WordPieceAligner.FromVocab(HfReference.VocabPath, lowercase: false);
        Assert.That(cased.EncodeWord("Hello"), Is.EqualTo(Seq(cased.UnkId)), "the uncased vocab has no 'Hello'");
        Assert.That(cased.EncodeWord("hello"), Is.EqualTo(Aligner.EncodeWord("Hello")));
    }

    [TestCase(3)]
    [TestCase(4)]
    [TestCase(7)]
    [TestCase(512)]
    public void WindowsLabelEveryWordExactlyOnce(int maxLength)
    {
        var sentences = new EwtDataset(TestPaths.DatasetDir).Load("dev").Take(300).ToList();
        foreach (var sentence in sentences)
        {
            var words = sentence.Forms();
            var labels = sentence.UposIds();
            var windows = Aligner.Windows(words, labels, maxLength);
            var encoded = Aligner.Encode(words);

            var labelled = windows.SelectMany(w => w.WordIndex.Where(i => i >= 0)).ToList();
            Assert.That(labelled, Is.EqualTo(Enumerable.Range(0, words.Length)), "each word once, in order");
            foreach (var window in windows)
            {
                Assert.That(window.Length, Is.LessThanOrEqualTo(maxLength));
                Assert.That(window.InputIds[0], Is.EqualTo(Aligner.ClsId));
                Assert.That(window.InputIds[^1], Is.EqualTo(Aligner.SepId));
                for (int t = 0; t < window.Length; t++)
                {
                    var expected = window.WordIndex[t] >= 0 ? labels[window.WordIndex[t]] : Upos.IgnoreIndex;
                    Assert.That(window.Labels[t], Is.EqualTo(expected));
                }
                // No word's sub-tokens are cut, unless the word alone is longer than a window.
                var pieces = Enumerable.Range(window.FirstWord, window.WordCount).Sum(w => Math.Min(Aligner.EncodeWord(words[w]).Count, maxLength - 2));
                Assert.That(window.Length, Is.EqualTo(pieces + 2));
            }
            if (maxLength >= encoded.InputIds.Length)
            {
                Assert.That(windows, Has.Length.EqualTo(1));
                Assert.That(windows[0].InputIds, Is.EqualTo(encoded.InputIds), "a sentence that fits is not split");
            }
        }
    }

    [Test]
    public void EachLabelSitsOnItsWordsFirstSubToken()
    {
        // Hugging Face's rule (label_all_tokens off): the first sub-token of a word carries its label, the others
        // −100. Derived here from Encode's word ids (checked against Hugging Face), not from Windows itself.
        var sentences = new EwtDataset(TestPaths.DatasetDir).Load("dev").Take(200).ToList();
        var multiPiece = 0;
        foreach (var sentence in sentences)
        {
            var words = sentence.Forms();
            var labels = sentence.UposIds();
            var encoded = Aligner.Encode(words);
            var windows = Aligner.Windows(words, labels, maxLength: 512);
            Assert.That(windows, Has.Length.EqualTo(1));
            for (var t = 0; t < encoded.WordIds.Length; t++)
            {
                var word = encoded.WordIds[t];
                var first = word is { } w && encoded.WordIds[t - 1] != w;
                Assert.That(windows[0].Labels[t], Is.EqualTo(first ? labels[word!.Value] : Upos.IgnoreIndex), $"token {t} of '{string.Join(' ', words)}'");
                if (word is not null && !first) multiPiece++;
            }
        }
        Assert.That(multiPiece, Is.GreaterThan(100), "the sample has words of several sub-tokens");
    }

    [Test]
    public void AWordLongerThanAWindowKeepsItsFirstSubToken()
    {
        var words = Seq("a", "jurists", "b");
        var windows = Aligner.Windows(words, Seq(1, 2, 3), maxLength: 3);
        Assert.That(windows.Select(w => w.InputIds[1]), Is.EqualTo(Seq(Aligner.EncodeWord("a")[0], 22757, Aligner.EncodeWord("b")[0])));
        Assert.That(windows.Select(w => w.Labels[1]), Is.EqualTo(Seq(1, 2, 3)));
    }

    [Test]
    public void WindowsRejectMismatchedLabelsAndTinyMaxLength()
    {
        Assert.Throws<ArgumentException>(() => Aligner.Windows(Seq("a", "b"), Seq(1), 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => Aligner.Windows(Seq("a"), Seq(1), 2));
    }
}
