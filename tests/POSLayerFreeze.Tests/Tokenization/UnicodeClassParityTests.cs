using System.Globalization;
using System.IO.Compression;
using System.Text;
using POSLayerFreeze.Tokenization;

namespace POSLayerFreeze.Tests.Tokenization;

/// <summary>
/// Every Unicode scalar value (1,112,064) through our pre-tokenizer against Hugging Face's own classification of it
/// (eng/hf-tokenizers/generate-boundaries.js, npm tokenizers 0.23.2): removed by clean_text, whitespace, split off as
/// punctuation, isolated as a CJK ideograph or kept inside the word; and, for the uncased setting, what accent
/// stripping plus lowercasing turns it into. HF classifies with its own Unicode tables, .NET with its own, so a spot
/// check of a few characters cannot show where they part; this test sees every code point.
/// <para>Where they part because of the Unicode version alone, the difference is pinned in unicode-skew.txt beside
/// the fixture (see its header): HF's categories come from the unicode_categories crate (older than Unicode 9:
/// newer marks, format characters and punctuation are "unassigned" there), its lowercasing from Rust's std (newer
/// than .NET 10's tables). The test fails on any difference not in that list and on any listed one that is gone.</para>
/// </summary>
[TestFixture]
public class UnicodeClassParityTests
{
    private static string FixturePath => Path.Combine(AppContext.BaseDirectory, "Fixtures", "wordpiece", "unicode-classes.txt.gz");

    private static string SkewPath => Path.Combine(AppContext.BaseDirectory, "Fixtures", "wordpiece", "unicode-skew.txt");

    /// <summary>The pinned differences of one kind ("class" or "uncased"): "KIND U+XXXX what" lines.</summary>
    private static HashSet<string> Skew(string kind) =>
        File.ReadLines(SkewPath).Where(l => l.StartsWith(kind + " ", StringComparison.Ordinal)).Select(l => l[(kind.Length + 1)..]).ToHashSet(StringComparer.Ordinal);

    /// <summary>Differences against the pinned list: what is new and what is gone, as readable ranges.</summary>
    private static void AssertOnlyPinned(string kind, List<(int Cp, string What)> wrong)
    {
        var pinned = Skew(kind);
        var found = wrong.Select(w => $"U+{w.Cp:X4} {w.What}").ToHashSet(StringComparer.Ordinal);
        if (Environment.GetEnvironmentVariable("POSLF_WRITE_UNICODE_SKEW") is { Length: > 0 } dump)
            File.AppendAllLines(dump, found.Select(f => $"{kind} {f}"));
        var unexpected = wrong.Where(w => !pinned.Contains($"U+{w.Cp:X4} {w.What}")).ToList();
        var gone = pinned.Where(p => !found.Contains(p)).Order(StringComparer.Ordinal).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(pinned, Has.Count.GreaterThan(100), $"{SkewPath} lists the {kind} skew");
            Assert.That(unexpected, Is.Empty, "differences from Hugging Face that are not Unicode-version skew: " + Runs(unexpected));
            Assert.That(gone, Is.Empty, $"pinned in {SkewPath} but no longer different (update the list)");
        });
    }

    private static readonly Lazy<(Dictionary<int, char> Classes, Dictionary<int, string> Uncased)> Fixture = new(Load);

    private static (Dictionary<int, char>, Dictionary<int, string>) Load()
    {
        var classes = new Dictionary<int, char>(0x110000);
        var uncased = new Dictionary<int, string>();
        using var reader = new StreamReader(new GZipStream(File.OpenRead(FixturePath), CompressionMode.Decompress));
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0) continue;
            var f = line.Split(' ');
            int Hex(string s) => int.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (f[0] == "R")
            {
                for (int c = Hex(f[1]); c <= Hex(f[2]); c++) classes[c] = f[3][0];
            }
            else
            {
                uncased[Hex(f[1])] = string.Concat(f.Skip(2).Select(h => char.ConvertFromUtf32(Hex(h))));
            }
        }
        return (classes, uncased);
    }

    private static IEnumerable<int> ScalarValues() => Enumerable.Range(0, 0x110000).Where(c => c is < 0xD800 or > 0xDFFF);

    /// <summary>Our class of <paramref name="c"/>, from what Split does to "a" + c + "b" (the same probe HF's was made with).</summary>
    private static char OurClass(int c)
    {
        var s = char.ConvertFromUtf32(c);
        var pieces = BertPreTokenizer.Split($"a{s}b", lowercase: false, stripAccents: false, chineseChars: true).Select(p => p.Text).ToArray();
        if (pieces is ["ab"]) return 'R';
        if (pieces is ["a", "b"]) return 'W';
        if (pieces.Length == 3 && pieces[1] == s)
        {
            var withoutCjk = BertPreTokenizer.Split($"a{s}b", lowercase: false, stripAccents: false, chineseChars: false);
            return withoutCjk.Count == 3 ? 'P' : 'C';
        }
        if (pieces.Length == 1 && pieces[0] == $"a{s}b") return 'K';
        return '?';
    }

    private static string Runs(IReadOnlyList<(int Cp, string What)> wrong)
    {
        // consecutive code points with the same difference as one range, so a whole block reads as one line
        var lines = new List<string>();
        for (int i = 0; i < wrong.Count;)
        {
            int j = i;
            while (j + 1 < wrong.Count && wrong[j + 1].Cp == wrong[j].Cp + 1 && wrong[j + 1].What == wrong[i].What) j++;
            lines.Add(i == j ? $"U+{wrong[i].Cp:X4} {wrong[i].What}" : $"U+{wrong[i].Cp:X4}..U+{wrong[j].Cp:X4} {wrong[i].What}");
            i = j + 1;
        }
        return $"{wrong.Count} code points differ, {lines.Count} ranges:\n" + string.Join("\n", lines.Take(60));
    }

    [Test]
    public void Every_code_point_is_removed_split_isolated_or_kept_as_Hugging_Face_does()
    {
        var classes = Fixture.Value.Classes;
        Assert.That(classes, Has.Count.EqualTo(0x110000 - 0x800), "the fixture covers every scalar value");
        var wrong = new List<(int, string)>();
        foreach (var c in ScalarValues())
        {
            var ours = OurClass(c);
            if (ours != classes[c]) wrong.Add((c, $"hf {classes[c]} ours {ours}"));
        }
        AssertOnlyPinned("class", wrong);
    }

    [Test]
    public void Every_code_point_is_normalized_for_the_uncased_setting_as_Hugging_Face_does()
    {
        var (classes, uncased) = Fixture.Value;
        Assert.That(uncased, Has.Count.GreaterThan(15_000), "the fixture lists HF's accent-stripping and lowercasing changes");
        var wrong = new List<(int, string)>();
        foreach (var c in ScalarValues())
        {
            if (classes[c] is 'R' or 'W') continue; // gone before normalization in both (the class test checks that)
            var s = char.ConvertFromUtf32(c);
            var expected = uncased.TryGetValue(c, out var m) ? m : s;
            var ours = string.Concat(BertPreTokenizer.Split(s, lowercase: true, stripAccents: true, chineseChars: true).Select(p => p.Text));
            if (ours != expected) wrong.Add((c, $"hf [{Hex(expected)}] ours [{Hex(ours)}]"));
        }
        AssertOnlyPinned("uncased", wrong);
    }

    private static string Hex(string s) => string.Join(" ", s.EnumerateRunes().Select(r => r.Value.ToString("X4", CultureInfo.InvariantCulture)));
}
