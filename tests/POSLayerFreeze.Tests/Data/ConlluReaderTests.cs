using System.Text;
using POSLayerFreeze.Data;

namespace POSLayerFreeze.Tests.Data;

[TestFixture]
public class ConlluReaderTests
{
    private string _dir = "";

    private static T[] Seq<T>(params T[] items) => items;

    [SetUp]
    public void CreateDir() => _dir = Directory.CreateTempSubdirectory("poslf-conllu-").FullName;

    [TearDown]
    public void DeleteDir() => Directory.Delete(_dir, recursive: true);

    private static readonly string Sample =
        "# sent_id = s1\n# text = I don't know.\n" +
        ConlluMalformedInputTests.W("1", "I", "PRON", "4") + "\n" +
        "2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\t_\n" +
        ConlluMalformedInputTests.W("2", "do", "AUX", "4") + "\n" +
        ConlluMalformedInputTests.W("3", "n't", "PART", "4") + "\n" +
        ConlluMalformedInputTests.W("4", "know", "VERB", "0") + "\n" +
        "4.1\tknow\tknow\tVERB\t_\t_\t_\t_\t0:root\t_\n" +
        "4.2\tit\tit\t_\t_\t_\t_\t_\t4.1:obj\t_\n" +
        ConlluMalformedInputTests.W("5", ".", "PUNCT", "4") + "\n\n" +
        ConlluMalformedInputTests.W("1", "Yes", "INTJ", "0") + "\n\n";

    private string WriteFile(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [TestCase("plain", TestName = "Read_PlainLf")]
    [TestCase("bom", TestName = "Read_WithUtf8Bom")]
    [TestCase("crlf", TestName = "Read_CrlfLineEndings")]
    [TestCase("gz", TestName = "Read_Gzip")]
    [TestCase("gz-bom-crlf", TestName = "Read_GzipBomCrlf")]
    public void AcceptedEncodingsGiveTheSameSentences(string variant)
    {
        var text = variant.Contains("crlf", StringComparison.Ordinal) ? Sample.Replace("\n", "\r\n", StringComparison.Ordinal) : Sample;
        var bytes = Encoding.UTF8.GetBytes(text);
        if (variant.Contains("bom", StringComparison.Ordinal)) bytes = [0xEF, 0xBB, 0xBF, .. bytes];
        var gz = variant.StartsWith("gz", StringComparison.Ordinal);
        var path = WriteFile(gz ? "a.conllu.gz" : "a.conllu", gz ? ConlluMalformedInputTests.Gzip(bytes) : bytes);

        var sentences = ConlluReader.Read(path).ToList();

        Assert.That(sentences, Has.Count.EqualTo(2));
        var first = sentences[0];
        Assert.That(first.Words.Select(w => w.Form), Is.EqualTo(Seq("I", "do", "n't", "know", ".")));
        Assert.That(first.Words.Select(w => w.Upos), Is.EqualTo(Seq("PRON", "AUX", "PART", "VERB", "PUNCT")));
        Assert.That(first.Words.Select(w => w.UposId), Is.EqualTo(Seq(10, 3, 9, 15, 12)));
        Assert.That(first.Words.Select(w => w.Line), Is.EqualTo(Seq(3, 5, 6, 7, 10)));
        Assert.That(first.Comments, Is.EqualTo(Seq("# sent_id = s1", "# text = I don't know.")));
        Assert.That(first.SentId, Is.EqualTo("s1"));
        Assert.That(first.Lines, Has.Count.EqualTo(10), "comments, range and empty nodes are kept for round trip");
        Assert.That(first.Lines[3], Does.StartWith("2-3\tdon't"));
        Assert.That(first.Lines[0], Is.EqualTo("# sent_id = s1"), "BOM and CR are not part of any line");
        Assert.That(sentences[1].FirstLine, Is.EqualTo(12));
    }

    [Test]
    public void MissingFileIsAFileNotFoundError() =>
        Assert.Throws<FileNotFoundException>(() => ConlluReader.Read(Path.Combine(_dir, "nope.conllu")).ToList());

    [Test]
    public void ReadingIsLazy()
    {
        var path = WriteFile("a.conllu", Encoding.UTF8.GetBytes(Sample + "broken line\n\n"));
        Assert.That(ConlluReader.Read(path).Take(2).Count(), Is.EqualTo(2), "the error after sentence 2 is not reached");
        Assert.Throws<ConlluFormatException>(() => ConlluReader.Read(path).ToList());
    }

    [TestCase("train")]
    [TestCase("dev")]
    [TestCase("test")]
    public void EwtSplitsHaveTheDocumentedCounts(string split)
    {
        var expected = EwtDataset.Split(split);
        var sentences = new EwtDataset(TestPaths.DatasetDir).Load(split);

        Assert.That(sentences, Has.Count.EqualTo(expected.Sentences));
        Assert.That(sentences.Sum(s => s.Words.Count), Is.EqualTo(expected.Words));
    }

    [Test]
    public void UposListIsTheFixedUdOrder()
    {
        Assert.That(Upos.Tags, Is.EqualTo(Seq("ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X")));
        Assert.That(Upos.IdOf("PUNCT"), Is.EqualTo(12));
        Assert.That(Upos.IgnoreIndex, Is.EqualTo(-100));
        Assert.Throws<ArgumentException>(() => Upos.IdOf("punct"));
    }
}
