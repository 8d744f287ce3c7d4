using System.Globalization;
using System.Text;
using POSLayerFreeze.Tokenization;

namespace POSLayerFreeze.Experiments;

/// <summary>
/// A line of plain text cut into CoNLL-U words where Hugging Face's BERT pre-tokenizer cuts it (whitespace, each
/// punctuation character and CJK ideograph alone), each FORM an unchanged substring of the line. Characters the
/// tokenizer's clean-up drops (format characters such as U+200C/U+200D, private use, U+FFFD) stay in the FORM,
/// attached to the word they touch: normalising is the tokenizer's view of a word (<see cref="WordPieceAligner"/>
/// applies it to every FORM), never the word itself. <c>After</c> is the whitespace that follows each word, so the
/// FORMs rebuild the line (<see cref="Text"/>) and <see cref="Misc"/> records it as UD asks.
/// </summary>
public static class TextWords
{
    /// <summary>The words of <paramref name="line"/> with the whitespace after each; leading whitespace is not part of any word.</summary>
    public static List<(string Form, string After)> Split(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var words = new List<(string Form, string After)>();
        var current = new StringBuilder();
        var visible = false;   // current holds more than characters the tokenizer drops
        var touching = false;  // nothing but dropped characters since the last word ended
        void Flush()
        {
            if (current.Length == 0) return;
            words.Add((current.ToString(), ""));
            current.Clear();
            (visible, touching) = (false, true);
        }
        foreach (var rune in line.EnumerateRunes())
        {
            var text = rune.ToString();
            // Dropped before anything else, as Hugging Face's clean_text removes them before it looks for whitespace.
            if (IsDropped(rune))
            {
                if (current.Length == 0 && touching) words[^1] = (words[^1].Form + text, words[^1].After);
                else current.Append(text);
            }
            else if (BertPreTokenizer.IsWhitespace(rune))
            {
                Flush();
                touching = false;
                if (words.Count > 0) words[^1] = (words[^1].Form, words[^1].After + text);
            }
            else if (BertPreTokenizer.IsPunctuation(rune) || BertPreTokenizer.IsChinese(rune.Value))
            {
                if (visible) Flush();
                current.Append(text);   // dropped characters just before it belong to it
                Flush();
            }
            else
            {
                current.Append(text);
                visible = true;
            }
        }
        Flush();
        return words;
    }

    /// <summary>Whether the tokenizer keeps anything of <paramref name="form"/> (a FORM of format characters alone it drops whole).</summary>
    public static bool IsKept(string form) => form.EnumerateRunes().Any(r => !IsDropped(r));

    // What Hugging Face's clean_text removes (NUL and other controls never reach here: the input refuses them).
    private static bool IsDropped(Rune rune) => rune.Value == 0xFFFD || BertPreTokenizer.IsControl(rune);

    /// <summary>The text the words rebuild: every FORM and the whitespace between them (what <c># text</c> holds).</summary>
    public static string Text(IReadOnlyList<(string Form, string After)> words) =>
        string.Concat(words.Select((w, i) => i < words.Count - 1 ? w.Form + w.After : w.Form));

    /// <summary>
    /// The MISC column of word <paramref name="index"/>: <c>_</c> for one space (and for the last word, followed by the
    /// line break), <c>SpaceAfter=No</c> for none, else <c>SpacesAfter=</c> with UD's escapes (<c>\s</c>, <c>\t</c>,
    /// <c>\n</c>, <c>\r</c>, and <c>\uXXXX</c> for other whitespace, e.g. <c>\u00A0</c> as in UD English EWT).
    /// </summary>
    public static string Misc(IReadOnlyList<(string Form, string After)> words, int index)
    {
        var after = words[index].After;
        if (index == words.Count - 1 || after == " ") return "_";
        if (after.Length == 0) return "SpaceAfter=No";
        var escaped = new StringBuilder("SpacesAfter=");
        foreach (var c in after)
        {
            escaped.Append(c switch
            {
                ' ' => @"\s",
                '\t' => @"\t",
                '\n' => @"\n",
                '\r' => @"\r",
                _ => @"\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture),
            });
        }
        return escaped.ToString();
    }
}
