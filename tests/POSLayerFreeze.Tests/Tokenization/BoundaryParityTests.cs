using System.Text.Json;
using POSLayerFreeze.Tokenization;

namespace POSLayerFreeze.Tests.Tokenization;

/// <summary>
/// Our tokenizer held to Hugging Face's own tokenizers library (npm tokenizers 0.23.2,
/// eng/hf-tokenizers/generate-boundaries.js) on crafted words at every character-class boundary: all of ASCII and
/// Latin-1, each end of every CJK block with both neighbours, every Unicode punctuation category, whitespace and
/// format characters, private use and unassigned code points, Hangul syllables, combining marks, special tokens inside
/// words, the 100-character word limit. The treebank fixtures rarely reach these, so before this fixture a wrong range
/// end passed every test (issue 13, mutation testing). Ids and word alignment must match for every entry; the only
/// allowed difference is our deliberate [UNK] for a word without any HF token.
/// </summary>
[TestFixture]
public class BoundaryParityTests
{
    private static string FixturePath => Path.Combine(AppContext.BaseDirectory, "Fixtures", "wordpiece", "boundaries.jsonl");

    private sealed record EncodeCase(string Setting, string Name, HfEncoded Hf);

    private sealed record SplitCase(string Name, string Text, string[] Words);

    private static readonly Lazy<(List<EncodeCase> Encode, List<SplitCase> Split)> Fixture = new(Load);

    private static (List<EncodeCase>, List<SplitCase>) Load()
    {
        var encode = new List<EncodeCase>();
        var split = new List<SplitCase>();
        foreach (var (line, number) in File.ReadLines(FixturePath).Select((l, i) => (l, i + 1)))
        {
            if (line.Length == 0) continue;
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            string[] Words() => [.. root.GetProperty("words").EnumerateArray().Select(e => e.GetString()!)];
            var name = root.GetProperty("name").GetString()!;
            switch (root.GetProperty("kind").GetString())
            {
                case "encode":
                    encode.Add(new EncodeCase(root.GetProperty("setting").GetString()!, name, new HfEncoded(Words(),
                        [.. root.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32())],
                        [.. root.GetProperty("word_ids").EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? (int?)null : e.GetInt32())])));
                    break;
                case "split":
                    split.Add(new SplitCase(name, root.GetProperty("text").GetString()!, Words()));
                    break;
                default:
                    Assert.Fail($"{FixturePath} line {number}: unknown kind");
                    break;
            }
        }
        return (encode, split);
    }

    private static BertTokenizerSettings SettingsFor(string setting) => setting switch
    {
        "uncased" => BertTokenizerSettings.Uncased,
        "cased" => BertTokenizerSettings.Cased,
        // longest match first: "there" is one token although "the" is one too
        "extra" => BertTokenizerSettings.Uncased with { AdditionalSpecialTokens = ["the", "there", "[unused1]"] },
        _ => throw new ArgumentException($"unknown setting '{setting}'", nameof(setting)),
    };

    private static string Show(IEnumerable<string> words) =>
        string.Join(" | ", words.Select(w => string.Concat(w.EnumerateRunes().Select(r => r.Value is >= 0x21 and < 0x7F ? r.ToString() : $"<U+{r.Value:X4}>"))));

    [TestCase("uncased", 410)]
    [TestCase("cased", 410)]
    [TestCase("extra", 2)]
    public void Every_boundary_word_matches_Hugging_Face_tokenizers(string setting, int cases)
    {
        var aligner = WordPieceAligner.FromVocab(HfReference.VocabPath, SettingsFor(setting));
        var mine = Fixture.Value.Encode.Where(c => c.Setting == setting).ToList();
        Assert.That(mine, Has.Count.EqualTo(cases), "fixture entries for this setting");
        var mismatches = new List<string>();
        foreach (var (_, name, hf) in mine)
        {
            var expected = HfReference.ExpectedWithUnkForEmptyWords(hf, aligner.UnkId);
            var actual = aligner.Encode(hf.Words);
            if (!actual.InputIds.SequenceEqual(expected.InputIds) || !actual.WordIds.SequenceEqual(expected.WordIds))
            {
                mismatches.Add($"{name}: [{Show(hf.Words)}]\n  hf   [{string.Join(",", expected.InputIds)}] words [{string.Join(",", expected.WordIds)}]"
                    + $"\n  ours [{string.Join(",", actual.InputIds)}] words [{string.Join(",", actual.WordIds)}]");
            }
        }
        Assert.That(mismatches, Is.Empty, $"{mismatches.Count} of {mine.Count} differ:\n" + string.Join("\n", mismatches.Take(20)));
    }

    [Test]
    public void Every_boundary_line_splits_into_the_words_Hugging_Face_finds()
    {
        var cases = Fixture.Value.Split;
        Assert.That(cases, Has.Count.EqualTo(407), "fixture entries");
        var mismatches = new List<string>();
        foreach (var (name, text, words) in cases)
        {
            // FORMs keep what the tokenizer drops; its view of them (the dropped characters removed) is HF's words.
            var actual = POSLayerFreeze.Experiments.TextWords.Split(text)
                .Select(w => string.Concat(w.Form.EnumerateRunes().Where(r => r.Value != 0xFFFD && !BertPreTokenizer.IsControl(r))))
                .Where(w => w.Length > 0).ToArray();
            if (!actual.SequenceEqual(words))
                mismatches.Add($"{name}: [{Show([text])}]\n  hf   [{Show(words)}]\n  ours [{Show(actual)}]");
        }
        Assert.That(mismatches, Is.Empty, $"{mismatches.Count} of {cases.Count} differ:\n" + string.Join("\n", mismatches.Take(20)));
    }

    [Test]
    public void The_fixture_reaches_each_class_it_is_meant_to_test()
    {
        // A regenerated fixture that lost a class would let the parity tests pass vacuously.
        var names = Fixture.Value.Encode.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        string[] required =
        [
            "U+0000", "U+0009", "U+000A", "U+000D", "U+0020", "U+0021", "U+002F", "U+0030", "U+0039", "U+003A", "U+0040",
            "U+0041", "U+005A", "U+005B", "U+0060", "U+0061", "U+007A", "U+007B", "U+007E", "U+007F", "U+0085", "U+00A0",
            "U+00AD", "U+FFFD", "U+200B", "U+E000", "U+0378", "U+203F", "U+2013", "U+FF08", "U+FF09", "U+00AB", "U+00BB",
            "U+3002", "U+4DFF", "U+4E00", "U+9FFF", "U+A000", "U+33FF", "U+3400", "U+4DBF", "U+4DC0", "U+1FFFF", "U+20000",
            "U+2A6DF", "U+2A6E0", "U+2A6FF", "U+2A700", "U+2B73F", "U+2B740", "U+2B81F", "U+2B820", "U+2CEAF", "U+2CEB0",
            "U+F8FF", "U+F900", "U+FAFF", "U+FB00", "U+2F7FF", "U+2F800", "U+2FA1F", "U+2FA20", "U+ABFF", "U+AC00", "U+AC01",
            "U+D55C", "U+D558", "U+D7A3", "U+D7A4", "hangul words", "special tokens inside words", "100 characters",
            "unknown words",
        ];
        Assert.That(required.Where(r => !names.Contains(r)), Is.Empty);
    }
}
