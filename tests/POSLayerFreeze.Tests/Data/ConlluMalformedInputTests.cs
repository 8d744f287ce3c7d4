using System.IO.Compression;
using System.Text;
using POSLayerFreeze.Data;

namespace POSLayerFreeze.Tests.Data;

/// <summary>
/// Every broken input must stop the reader with a message naming the file, the line and the problem; nothing is
/// skipped silently. Each case is one distinct way a CoNLL-U file can be wrong.
/// </summary>
[TestFixture]
public class ConlluMalformedInputTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDir() => _dir = Directory.CreateTempSubdirectory("poslf-conllu-").FullName;

    [TearDown]
    public void DeleteDir() => Directory.Delete(_dir, recursive: true);

    internal static string W(string id, string form = "x", string upos = "NOUN", string head = "0") =>
        $"{id}\t{form}\t{form}\t{upos}\t_\t_\t{head}\t{(head == "0" ? "root" : "dep")}\t_\t_";

    private static readonly string Ok1 = W("1", "Hello", "INTJ");
    private static readonly string Ok2 = W("2", "world", "NOUN", "1");

    // (name, file content, expected 1-based line, expected problem text)
    private static IEnumerable<TestCaseData> Cases()
    {
        static TestCaseData Case(string name, string content, int line, string problem) =>
            new TestCaseData(Encoding.UTF8.GetBytes(content), ".conllu", line, problem).SetName(name);

        yield return Case("EmptyFile", "", 0, "file is empty");
        yield return Case("OnlyComments", "# sent_id = 1\n# text = hi\n\n", 1, "sentence has no word lines");
        yield return Case("NineColumns", "1\tHello\thello\tINTJ\t_\t_\t0\troot\t_\n\n", 1, "expected 10 tab-separated columns, found 9");
        yield return Case("ElevenColumns", Ok1 + "\textra\n\n", 1, "expected 10 tab-separated columns, found 11");
        yield return Case("SpacesInsteadOfTabs", "1 Hello hello INTJ _ _ 0 root _ _\n\n", 1, "expected 10 tab-separated columns, found 1");
        yield return Case("EmptyColumn", "1\tHello\thello\t\t_\t_\t0\troot\t_\t_\n\n", 1, "column 4 (UPOS) is empty");
        yield return Case("EmptyForm", "1\t\thello\tINTJ\t_\t_\t0\troot\t_\t_\n\n", 1, "column 2 (FORM) is empty");
        yield return Case("WhitespaceAroundUpos", W("1", "Hello", " INTJ") + "\n\n", 1, "column 4 (UPOS) has leading or trailing whitespace");
        yield return Case("NonIntegerId", W("one") + "\n\n", 1, "invalid ID 'one'");
        yield return Case("ZeroId", W("0") + "\n\n", 1, "invalid ID '0'");
        yield return Case("NegativeId", W("-1") + "\n\n", 1, "invalid multiword token range '-1'");
        yield return Case("LeadingZeroId", W("01") + "\n\n", 1, "invalid ID '01'");
        yield return Case("IdNotStartingAtOne", W("2") + "\n\n", 1, "word ID 2 out of sequence: expected 1");
        yield return Case("SkippedId", Ok1 + "\n" + W("3", head: "1") + "\n\n", 2, "word ID 3 out of sequence: expected 2");
        yield return Case("RepeatedId", Ok1 + "\n" + W("1", head: "0") + "\n\n", 2, "word ID 1 out of sequence: expected 2");
        yield return Case("UnknownUpos", W("1", "Hello", "INTERJ") + "\n\n", 1, "unknown UPOS 'INTERJ' (expected one of the 17 UD tags)");
        yield return Case("LowercaseUpos", W("1", "Hello", "noun") + "\n\n", 1, "unknown UPOS 'noun'");
        yield return Case("UnderscoreUposOnWord", W("1", "Hello", "_") + "\n\n", 1, "unknown UPOS '_'");
        yield return Case("MissingFinalBlankLine", Ok1 + "\n", 1, "missing blank line after the last sentence");
        yield return Case("NoFinalNewline", Ok1, 1, "missing blank line after the last sentence");
        yield return Case("TwoBlankLines", Ok1 + "\n\n\n", 3, "blank line where a sentence should start");
        yield return Case("LeadingBlankLine", "\n" + Ok1 + "\n\n", 1, "blank line where a sentence should start");
        yield return Case("WhitespaceOnlyLine", Ok1 + "\n \t\n\n", 2, "line holds only whitespace");
        yield return Case("CommentAfterWords", Ok1 + "\n# late comment\n\n", 2, "comment line after the word lines of a sentence");
        yield return Case("RangeReversed", "2-1\tdon't\t_\t_\t_\t_\t_\t_\t_\t_\n\n", 1, "multiword token range 2-1 must span at least two words");
        yield return Case("RangeSingleWord", "1-1\tdon't\t_\t_\t_\t_\t_\t_\t_\t_\n\n", 1, "multiword token range 1-1 must span at least two words");
        yield return Case("RangeNotBeforeItsWords", Ok1 + "\n" + "1-2\tdon't\t_\t_\t_\t_\t_\t_\t_\t_\n\n", 2, "multiword token range 1-2 must come right before word 1; the next word is 2");
        yield return Case("RangeBadNumber", "1-x\tdon't\t_\t_\t_\t_\t_\t_\t_\t_\n\n", 1, "invalid multiword token range '1-x'");
        yield return Case("RangePastLastWord", "1-3\tdon't\t_\t_\t_\t_\t_\t_\t_\t_\n" + Ok1 + "\n" + Ok2 + "\n\n", 1, "multiword token range 1-3 extends past the last word 2");
        yield return Case("RangeWithUpos", "1-2\tdon't\t_\tAUX\t_\t_\t_\t_\t_\t_\n" + Ok1 + "\n" + Ok2 + "\n\n", 1, "multiword token range 1-2 must have '_' as UPOS, found 'AUX'");
        yield return Case("RangesOverlap",
            "1-2\tab\t_\t_\t_\t_\t_\t_\t_\t_\n" + W("1") + "\n" + "2-3\tbc\t_\t_\t_\t_\t_\t_\t_\t_\n" + W("2", head: "1") + "\n" + W("3", head: "1") + "\n\n",
            3, "multiword token range 2-3 overlaps range 1-2");
        yield return Case("EmptyNodeBeforeItsWord", Ok1 + "\n" + "2.1\tgone\tgo\tVERB\t_\t_\t_\t_\t1:conj\t_\n" + Ok2 + "\n\n", 2, "empty node 2.1 must follow word 2, but the last word is 1");
        yield return Case("EmptyNodeSkipsIndex", Ok1 + "\n" + "1.2\tgone\tgo\tVERB\t_\t_\t_\t_\t1:conj\t_\n\n", 2, "empty node 1.2 out of sequence: expected 1.1");
        yield return Case("EmptyNodeBadId", Ok1 + "\n" + "1.x\tgone\tgo\tVERB\t_\t_\t_\t_\t1:conj\t_\n\n", 2, "invalid empty node ID '1.x'");
        yield return Case("EmptyNodeUnknownUpos", Ok1 + "\n" + "1.1\tgone\tgo\tVRB\t_\t_\t_\t_\t1:conj\t_\n\n", 2, "unknown UPOS 'VRB' on empty node 1.1");
        yield return Case("OnlyEmptyNode", "0.1\tgone\tgo\tVERB\t_\t_\t_\t_\t_\t_\n\n", 1, "sentence has no word lines");
        yield return Case("HeadNotInteger", W("1", head: "root") + "\n\n", 1, "HEAD 'root' of word 1 is not a non-negative integer");
        yield return Case("HeadPastLastWord", Ok1 + "\n" + W("2", head: "5") + "\n\n", 2, "HEAD 5 points past the last word 2");
        yield return Case("HeadIsSelf", Ok1 + "\n" + W("2", head: "2") + "\n\n", 2, "word 2 is its own HEAD");
        yield return Case("SecondSentenceBroken", Ok1 + "\n\n" + W("1") + "\n" + W("2", "y", "NOUNS", "1") + "\n\n", 4, "unknown UPOS 'NOUNS'");
        yield return new TestCaseData(new byte[] { 0x31, 0x09, 0xC3, 0x28 }.Concat(Encoding.UTF8.GetBytes("\tx\tNOUN\t_\t_\t0\troot\t_\t_\n\n")).ToArray(),
            ".conllu", 1, "invalid UTF-8").SetName("InvalidUtf8");
        yield return new TestCaseData(Encoding.UTF8.GetBytes(Ok1 + "\n\n"), ".conllu.gz", 0,
            "file name ends in .gz but the content is not gzip-compressed").SetName("GzNameButPlainContent");
        var gz = Gzip(Encoding.UTF8.GetBytes(Ok1 + "\n" + Ok2 + "\n\n" + Ok1 + "\n" + Ok2 + "\n\n"));
        yield return new TestCaseData(gz[..(gz.Length - 6)], ".conllu.gz", 0, "gzip stream is truncated or corrupt")
            .SetName("TruncatedGzip");
        yield return new TestCaseData(gz[..12], ".conllu.gz", 0, "gzip stream is truncated (12 bytes").SetName("GzipHeaderOnly");
        var corrupt = (byte[])gz.Clone();
        for (int i = 10; i < corrupt.Length - 8; i++) corrupt[i] = 0xFF;
        yield return new TestCaseData(corrupt, ".conllu.gz", 0, "gzip stream is").SetName("CorruptGzip");
        // Issue 12 §8: a control character inside a word is refused with its line and column (was accepted silently).
        yield return Case("NulInForm", Ok1 + "\n" + W("2", "wor\0ld", "NOUN", "1") + "\n\n", 2, "column 2 (FORM) holds control character U+0000 at character 4");
        yield return Case("EscapeInForm", W("1", "\u001B[31mHi", "INTJ") + "\n\n", 1, "column 2 (FORM) holds control character U+001B at character 1");
        yield return Case("CarriageReturnInForm", W("1", "He\rllo", "INTJ") + "\n\n", 1, "column 2 (FORM) holds control character U+000D");
        yield return Case("C1ControlInForm", W("1", "Hello\u0085", "INTJ") + "\n\n", 1, "column 2 (FORM) holds control character U+0085 at character 6");
        yield return Case("DelInLemma", "1\tHello\thel\u007Flo\tINTJ\t_\t_\t0\troot\t_\t_\n\n", 1, "column 3 (LEMMA) holds control character U+007F at character 4");
        // A multi-member gzip file whose last member is cut: the last 8 bytes are no trailer of anything.
        var members = Gzip(Encoding.UTF8.GetBytes(Ok1 + "\n" + Ok2 + "\n\n")).Concat(Gzip(Encoding.UTF8.GetBytes(Ok1 + "\n" + Ok2 + "\n\n"))).ToArray();
        yield return new TestCaseData(members[..(members.Length - 5)], ".conllu.gz", 0, "gzip stream is").SetName("TruncatedMultiMemberGzip");
    }

    /// <summary>RFC 1952 §2.2: a gzip file is a series of members; `cat a.gz b.gz` is read as the concatenation.</summary>
    [TestCase(2)]
    [TestCase(3)]
    public void A_multi_member_gzip_file_reads_as_the_concatenation(int count)
    {
        var plain = new StringBuilder();
        var gz = new List<byte>();
        for (var i = 0; i < count; i++)
        {
            var sentence = $"# sent_id = s{i}\n{Ok1}\n{Ok2}\n\n";
            plain.Append(sentence);
            gz.AddRange(Gzip(Encoding.UTF8.GetBytes(sentence)));
        }
        var gzPath = Path.Combine(_dir, "members.conllu.gz");
        var plainPath = Path.Combine(_dir, "members.conllu");
        File.WriteAllBytes(gzPath, [.. gz]);
        File.WriteAllText(plainPath, plain.ToString());
        var fromGz = ConlluReader.Read(gzPath).Select(s => s.SentId).ToList();
        Assert.That(fromGz, Is.EqualTo(ConlluReader.Read(plainPath).Select(s => s.SentId).ToList()));
        Assert.That(fromGz, Has.Count.EqualTo(count));
    }

    [TestCaseSource(nameof(Cases))]
    public void MalformedInputIsRejectedWithFileLineAndProblem(byte[] content, string extension, int line, string problem)
    {
        var path = Path.Combine(_dir, "input" + extension);
        File.WriteAllBytes(path, content);

        var error = Assert.Throws<ConlluFormatException>(() => ConlluReader.Read(path).ToList())!;

        Assert.That(error.Problem, Does.Contain(problem));
        Assert.That(error.Message, Does.StartWith(path + ":"));
        if (line > 0)
        {
            Assert.That(error.Line, Is.EqualTo(line));
            Assert.That(error.Message, Does.StartWith($"{path}:{line.ToString(System.Globalization.CultureInfo.InvariantCulture)}: "));
        }
    }

    [Test]
    public void ThereAreAtLeastThirtyDistinctCases()
    {
        var names = Cases().Select(c => c.TestName).ToList();
        Assert.That(names.Distinct().Count(), Is.EqualTo(names.Count).And.GreaterThanOrEqualTo(30));
    }

    internal static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }
}
