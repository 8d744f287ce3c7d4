using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace POSLayerFreeze.Tokenization;

/// <summary>
/// SentencePiece's compiled normalization rules (XLM-R's <c>nmt_nfkc</c>), the <c>Precompiled</c> normalizer of a
/// tokenizer.json, applied as Hugging Face's Rust core applies it: a little-endian u32 trie size, a darts-clone
/// double-array trie over UTF-8 bytes, then NUL-terminated replacement strings. Each grapheme cluster shorter than 6
/// UTF-8 bytes is looked up whole; otherwise (or when it has no rule) each of its characters is. A lookup takes the
/// first, i.e. shortest, rule that is a prefix of the text and replaces the whole text with it, as SentencePiece does.
/// The rules are data, so no Unicode table of .NET (which runs with invariant globalization here) is involved.
/// </summary>
public sealed class PrecompiledCharsmap
{
    private readonly uint[] _trie;
    private readonly byte[] _replacements;

    public PrecompiledCharsmap(byte[] charsmap)
    {
        ArgumentNullException.ThrowIfNull(charsmap);
        if (charsmap.Length < 4) throw new InvalidDataException("precompiled_charsmap: shorter than its 4-byte header");
        uint trieBytes = BinaryPrimitives.ReadUInt32LittleEndian(charsmap);
        if (trieBytes % 4 != 0 || trieBytes == 0 || 4 + (long)trieBytes > charsmap.Length)
            throw new InvalidDataException($"precompiled_charsmap: trie size {trieBytes} does not fit its {charsmap.Length} bytes");
        _trie = new uint[trieBytes / 4];
        for (int i = 0; i < _trie.Length; i++) _trie[i] = BinaryPrimitives.ReadUInt32LittleEndian(charsmap.AsSpan(4 + 4 * i));
        _replacements = charsmap[(4 + (int)trieBytes)..];
    }

    public string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new StringBuilder(text.Length);
        for (int at = 0; at < text.Length;)
        {
            int length = StringInfo.GetNextTextElementLength(text, at);
            var grapheme = text.Substring(at, length);
            at += length;
            if (Encoding.UTF8.GetByteCount(grapheme) < 6 && Transform(grapheme) is { } whole)
            {
                result.Append(whole);
                continue;
            }
            for (int c = 0; c < grapheme.Length;)
            {
                int charLength = char.IsSurrogatePair(grapheme, c) ? 2 : 1;
                var character = grapheme.Substring(c, charLength);
                result.Append(Transform(character) ?? character);
                c += charLength;
            }
        }
        return result.ToString();
    }

    /// <summary>The replacement of the shortest rule that is a prefix of <paramref name="chunk"/>'s UTF-8 bytes, or null.</summary>
    private string? Transform(string chunk)
    {
        var key = Encoding.UTF8.GetBytes(chunk);
        long node = Offset(_trie[0]);
        foreach (var b in key)
        {
            if (b == 0) break;
            node ^= b;
            if (node >= _trie.Length) return null;
            uint unit = _trie[node];
            // The unit's label (low byte plus the leaf flag bit 31) must be the byte walked.
            if ((unit & (0x8000_0000u | 0xFF)) != b) return null;
            node ^= Offset(unit);
            if (((unit >> 8) & 1) == 1)
            {
                if (node >= _trie.Length) return null;
                int start = (int)(_trie[node] & 0x7FFF_FFFFu);
                if (start > _replacements.Length) return null;
                int end = Array.IndexOf(_replacements, (byte)0, start);
                return Encoding.UTF8.GetString(_replacements, start, (end < 0 ? _replacements.Length : end) - start);
            }
        }
        return null;
    }

    private static long Offset(uint unit) => (unit >> 10) << (int)((unit & (1u << 9)) >> 6);
}
