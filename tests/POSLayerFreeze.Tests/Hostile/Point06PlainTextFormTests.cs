using System.Text;
using POSLayerFreeze.Data;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Models;
using POSLayerFreeze.Tests.Experiments;

namespace POSLayerFreeze.Tests.Hostile;

/// <summary>
/// Issue 29 point 6 (silent wrong): <c>tag</c> on plain text removed U+200C/U+200D and other format characters from
/// FORM while <c># text</c> kept them, and split at NBSP and U+3000 with no SpaceAfter/SpacesAfter. FORMs are now the
/// original substrings (the tokenizer normalises its own view of them) and rebuild <c># text</c> as UD requires.
/// </summary>
public class Point06PlainTextFormTests : TinyTorchFixture
{
    private static List<ConlluSentence> TagText(string text)
    {
        var dir = TinyWorld.TempDir("hostile-text");
        var input = Path.Combine(dir, "input.txt");
        File.WriteAllText(input, text, new UTF8Encoding(false));
        using var tagger = TaggerCheckpoint.Load(HostileTagger.Dir);
        var output = Path.Combine(dir, "tagged.conllu");
        using (var writer = new StreamWriter(output, false, new UTF8Encoding(false)) { NewLine = "\n" })
            Tagging.Tag(tagger, input, input, TagInputFormat.Auto, writer);
        // Read back by our own strict reader: the output is CoNLL-U it accepts.
        return ConlluReader.Read(output, untagged: true).ToList();
    }

    /// <summary>What UD's validator checks: FORMs joined by their MISC spacing are exactly <c># text</c>.</summary>
    private static string Rebuilt(ConlluSentence sentence)
    {
        var text = new StringBuilder();
        for (var i = 0; i < sentence.Words.Count; i++)
        {
            var misc = sentence.Lines.First(l => l.StartsWith($"{i + 1}\t", StringComparison.Ordinal)).Split('\t')[9];
            text.Append(sentence.Words[i].Form);
            if (i == sentence.Words.Count - 1) break;
            text.Append(misc switch
            {
                "_" => " ",
                "SpaceAfter=No" => "",
                _ when misc.StartsWith("SpacesAfter=", StringComparison.Ordinal) => Unescape(misc["SpacesAfter=".Length..]),
                _ => throw new AssertionException($"unexpected MISC {misc}"),
            });
        }
        return text.ToString();
    }

    private static string Unescape(string value) =>
        System.Text.RegularExpressions.Regex.Replace(value.Replace(@"\s", " ", StringComparison.Ordinal).Replace(@"\t", "\t", StringComparison.Ordinal),
            @"\\u([0-9A-F]{4})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 16)).ToString());

    private static string Text(ConlluSentence sentence) => sentence.Comments.First(c => c.StartsWith("# text = ", StringComparison.Ordinal))["# text = ".Length..];

    [TestCase("من می\u200Cخواهم بروم .", "می\u200Cخواهم")]                       // Persian ZWNJ inside a word
    [TestCase("Family: \U0001F468\u200D\U0001F469\u200D\U0001F467 !", "\U0001F468\u200D\U0001F469\u200D\U0001F467")]   // emoji ZWJ sequence
    [TestCase("soft\u00ADhyphen and zero\u200Bwidth", "soft\u00ADhyphen")]
    [TestCase("a\u00A0b\u3000c  d\te", "b")]                                   // NBSP, U+3000, two spaces, a tab
    [TestCase("\u200Dlead and trail\u200D.", "trail\u200D")]
    public void Forms_keep_every_character_and_rebuild_the_text(string line, string someForm)
    {
        var sentence = TagText(line + "\n").Single();
        Assert.That(sentence.Forms(), Does.Contain(someForm));
        Assert.That(Text(sentence), Is.EqualTo(line.Trim()), "# text is the line");
        Assert.That(Rebuilt(sentence), Is.EqualTo(Text(sentence)), "FORMs and MISC rebuild # text");
    }

    [Test]
    public void Whitespace_other_than_one_space_is_recorded_in_SpacesAfter()
    {
        var sentence = TagText("a\u00A0b\u3000c  d\te\n").Single();
        var misc = sentence.Lines.Where(l => char.IsAsciiDigit(l[0])).Select(l => l.Split('\t')[9]).ToArray();
        Assert.That(misc, Is.EqualTo(new[] { @"SpacesAfter=\u00A0", @"SpacesAfter=\u3000", @"SpacesAfter=\s\s", @"SpacesAfter=\t", "_" }));
    }

    [Test]
    public void The_tokenizer_sees_what_it_saw_before()
    {
        // The model's input is unchanged: each FORM's pieces are those of the same word without the dropped characters.
        using var tagger = TaggerCheckpoint.Load(HostileTagger.Dir);
        foreach (var (form, _) in TextWords.Split("می\u200Cخواهم x\u200By \uFEFFz"))
        {
            var view = string.Concat(form.EnumerateRunes().Where(r => r.Value is not (0x200C or 0x200B or 0xFEFF)));
            Assert.That(tagger.Tokenizer.EncodeWord(form), Is.EqualTo(tagger.Tokenizer.EncodeWord(view)), form);
        }
    }

    [Test]
    public void A_control_character_is_refused_naming_line_and_character_rather_than_dropped()
    {
        Assert.That(() => TagText("fine\nbell\u0007here\n"), Throws.TypeOf<InvalidDataException>()
            .With.Message.Contains("input.txt:2: control character U+0007 at character 5"));
    }
}
