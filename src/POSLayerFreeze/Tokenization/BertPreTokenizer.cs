using System.Globalization;
using System.Text;

namespace POSLayerFreeze.Tokenization;

/// <summary>
/// The part of Hugging Face's BERT pipeline that runs before WordPiece (BertNormalizer + BertPreTokenizer of the
/// tokenizers library), applied to one pre-split word. Microsoft.ML.Tokenizers' own basic tokenization drops
/// symbol characters (<c>$ + &lt; = &gt; ^ | ~</c>, emoji) and cannot strip accents under InvariantGlobalization,
/// so we do this step ourselves and hand only the resulting pieces to its WordPiece model.
/// </summary>
internal static class BertPreTokenizer
{
    /// <summary>
    /// Splits <paramref name="word"/> into the pieces that WordPiece sees, in order. A whitespace-delimited part listed in
    /// <paramref name="neverSplit"/> comes back whole (<c>Whole</c>: not normalized, not split; looked up as it is), as
    /// in Hugging Face's BasicTokenizer, which checks never_split after cleaning and CJK isolation, before normalizing.
    /// </summary>
    public static List<(string Text, bool Whole)> Split(string word, bool lowercase, bool stripAccents, bool chineseChars,
        IReadOnlySet<string>? neverSplit = null)
    {
        var pieces = new List<(string, bool)>();
        var current = new StringBuilder();
        var scratch = new StringBuilder();
        foreach (var part in WhitespaceParts(word, chineseChars))
        {
            if (neverSplit is { Count: > 0 } && neverSplit.Contains(part))
            {
                pieces.Add((part, true));
                continue;
            }
            foreach (var rune in part.EnumerateRunes())
            {
                // Accent stripping happens before lowercasing (as in HF) and may turn one rune into several.
                var normalized = Normalize(rune, lowercase, stripAccents, scratch);
                foreach (var r in normalized.EnumerateRunes())
                {
                    if (IsPunctuation(r))
                    {
                        Flush(current, pieces);
                        pieces.Add((r.ToString(), false));
                    }
                    else if (IsWhitespace(r))
                    {
                        Flush(current, pieces);
                    }
                    else
                    {
                        current.Append(r.ToString());
                    }
                }
            }
            Flush(current, pieces);
        }
        return pieces;
    }

    /// <summary>The word after clean_text and CJK isolation, split on whitespace (HF's whitespace_tokenize).</summary>
    private static List<string> WhitespaceParts(string word, bool chineseChars)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        void Cut()
        {
            if (current.Length > 0) parts.Add(current.ToString());
            current.Clear();
        }
        foreach (var rune in word.EnumerateRunes())
        {
            // clean_text: NUL, U+FFFD and control/format/private-use characters vanish.
            if (rune.Value == 0 || rune.Value == 0xFFFD || IsControl(rune)) continue;
            if (IsWhitespace(rune))
            {
                Cut();
            }
            else if (chineseChars && IsChinese(rune.Value))
            {
                Cut();
                parts.Add(rune.ToString());
            }
            else
            {
                current.Append(rune.ToString());
            }
        }
        Cut();
        return parts;
    }

    private static string Normalize(Rune rune, bool lowercase, bool stripAccents, StringBuilder scratch)
    {
        if (!lowercase && !stripAccents) return rune.ToString();
        scratch.Clear();
        if (stripAccents) AccentStripping.AppendStripped(rune, scratch);
        else scratch.Append(rune.ToString());
        if (!lowercase) return scratch.ToString();
        var stripped = scratch.ToString();
        scratch.Clear();
        foreach (var r in stripped.EnumerateRunes()) scratch.Append(Rune.ToLowerInvariant(r).ToString());
        return scratch.ToString();
    }

    private static void Flush(StringBuilder current, List<(string, bool)> pieces)
    {
        if (current.Length == 0) return;
        pieces.Add((current.ToString(), false));
        current.Clear();
    }

    internal static bool IsWhitespace(Rune r) => r.Value is '\t' or '\n' or '\r' || Rune.IsWhiteSpace(r);

    // Hugging Face's Rust normalizer removes Cc, Cf and Co, not unassigned code points (Cn): those stay in the word
    // and make it [UNK]. (Python's slow BertTokenizer removes every "C*"; BertTokenizerFast, our oracle, does not.)
    internal static bool IsControl(Rune r)
    {
        if (r.Value is '\t' or '\n' or '\r') return false;
        return Rune.GetUnicodeCategory(r) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.PrivateUse;
    }

    // HF counts every ASCII non-alphanumeric printable character as punctuation, symbols included.
    internal static bool IsPunctuation(Rune r)
    {
        int c = r.Value;
        if (c is (>= 33 and <= 47) or (>= 58 and <= 64) or (>= 91 and <= 96) or (>= 123 and <= 126)) return true;
        return Rune.GetUnicodeCategory(r) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation
            or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
            or UnicodeCategory.OtherPunctuation;
    }

    // The CJK ideograph blocks BERT isolates as single-character words. Extension E starts at U+2B820, but Hugging
    // Face's Rust normalizer (our oracle, unlike Google's and HF's Python code) starts that range at U+2B920, so
    // U+2B820..U+2B91F stay inside words there; we follow it (checked code point by code point by the tests).
    internal static bool IsChinese(int c) =>
        c is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF)
            or (>= 0x2A700 and <= 0x2B73F) or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B920 and <= 0x2CEAF)
            or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);
}
