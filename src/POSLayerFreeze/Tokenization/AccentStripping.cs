using System.Globalization;
using System.Text;

namespace POSLayerFreeze.Tokenization;

/// <summary>
/// Hugging Face's uncased BertNormalizer removes accents as "NFD, then drop every non-spacing mark (Mn)". Under
/// InvariantGlobalization .NET's <see cref="string.Normalize(NormalizationForm)"/> does not decompose, so the
/// per-code-point result of that operation comes from a generated table (see generate_accent_table.py) and
/// Hangul syllables are decomposed with the Unicode algorithm.
/// <para>Why not <c>Normalize(FormD)</c>: InvariantGlobalization stays on (with ICU, tokenization would depend on
/// the host's ICU version), and there Normalize returns non-ASCII text unchanged (seen: "café" keeps U+00E9), so
/// accents would survive: 2 of the 2,001 EWT dev sentences (à, é) would lose parity with Hugging Face, and 5 train
/// sentences (á, ã, ç, é) would be tokenized differently.</para>
/// </summary>
internal static partial class AccentStripping
{
    private static readonly Dictionary<int, string> Replacements = ParseTable();

    public static void AppendStripped(Rune rune, StringBuilder into)
    {
        int cp = rune.Value;
        if (cp is >= HangulBase and < HangulBase + HangulCount)
        {
            AppendHangul(cp, into);
        }
        else if (Replacements.TryGetValue(cp, out var replacement))
        {
            into.Append(replacement);
        }
        else if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.NonSpacingMark)
        {
            // Mn code points newer than the table's Unicode version still get dropped, as NFD + filter would.
            into.Append(rune.ToString());
        }
    }

    private const int HangulBase = 0xAC00, LeadBase = 0x1100, VowelBase = 0x1161, TrailBase = 0x11A7;
    private const int VowelCount = 21, TrailCount = 28, HangulCount = 11172;

    private static void AppendHangul(int cp, StringBuilder into)
    {
        int index = cp - HangulBase;
        into.Append((char)(LeadBase + (index / (VowelCount * TrailCount))));
        into.Append((char)(VowelBase + (index % (VowelCount * TrailCount) / TrailCount)));
        int trail = index % TrailCount;
        if (trail != 0) into.Append((char)(TrailBase + trail));
    }

    private static Dictionary<int, string> ParseTable()
    {
        var map = new Dictionary<int, string>(4096);
        foreach (var entry in Table.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            int colon = entry.IndexOf(':', StringComparison.Ordinal);
            int cp = int.Parse(entry.AsSpan(0, colon), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var sb = new StringBuilder();
            foreach (var hex in entry[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                sb.Append(char.ConvertFromUtf32(int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            }
            map[cp] = sb.ToString();
        }
        return map;
    }
}
