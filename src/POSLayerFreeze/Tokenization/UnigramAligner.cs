using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace POSLayerFreeze.Tokenization;

/// <summary>
/// SentencePiece Unigram (XLM-R) from a Hugging Face <c>tokenizer.json</c>, as the fast tokenizer encodes
/// <c>is_split_into_words=True</c>: each word alone is normalized (<see cref="TextNormalizer"/>), gets its "▁" by the
/// Metaspace pre-tokenizer and is cut into pieces by Viterbi over the pieces' log-probabilities, exactly as the Rust
/// core's <c>encode_optimized</c> (ties keep the first path found; a character that no piece covers costs the lowest
/// score minus 10 and becomes <c>&lt;unk&gt;</c>, consecutive ones fused into one). So a word is never empty and
/// unknown characters give <c>&lt;unk&gt;</c>, never an error. Microsoft.ML.Tokenizers' SentencePiece tokenizer reads only
/// a <c>.model</c> protobuf, which the oracle cannot write; this is our own, held to the oracle on three treebanks.
/// </summary>
public sealed class UnigramAligner : WordTokenizer
{
    // The penalty the Rust core (and SentencePiece) gives an unknown character below the lowest piece score.
    private const double UnknownPenalty = 10.0;

    private readonly Dictionary<string, int> _ids;
    private readonly double[] _scores;
    private readonly int _maxPieceLength;
    private readonly double _unknownScore;
    private readonly TextNormalizer _normalizer;
    private readonly Metaspace _metaspace;
    private readonly Dictionary<string, int> _addedTokens;
    private readonly string[] _specialTokens;

    private UnigramAligner(string path, JsonObject model, TextNormalizer normalizer, Metaspace metaspace, Dictionary<string, int> addedTokens, SpecialTokens specials)
    {
        if (model["vocab"] is not JsonArray vocab || vocab.Count == 0) throw new InvalidDataException($"{path}: model.vocab must be a non-empty list of [piece, score]");
        _ids = new Dictionary<string, int>(vocab.Count, StringComparer.Ordinal);
        _scores = new double[vocab.Count];
        for (int i = 0; i < vocab.Count; i++)
        {
            if (vocab[i] is not JsonArray { Count: 2 } entry || entry[0]?.GetValueKind() != JsonValueKind.String || entry[1]?.GetValueKind() != JsonValueKind.Number)
                throw new InvalidDataException($"{path}: model.vocab[{i}] must be [piece, score], found {vocab[i]?.ToJsonString() ?? "null"}");
            var piece = entry[0]!.GetValue<string>();
            // A repeated piece keeps its last id, as the Rust core's token → id map does.
            _ids[piece] = i;
            _scores[i] = RustJsonDouble(entry[1]!.ToJsonString());
            _maxPieceLength = Math.Max(_maxPieceLength, piece.Length);
        }
        _unknownScore = _scores.Min() - UnknownPenalty;
        var unk = model["unk_id"];
        if (unk is null || unk.GetValueKind() != JsonValueKind.Number || unk.GetValue<double>() is var u && (u < 0 || u >= vocab.Count || u != Math.Floor(u)))
            throw new InvalidDataException($"{path}: model.unk_id must be the id of a piece (unknown characters become it), found {unk?.ToJsonString() ?? "null"}");
        UnkId = unk.GetValue<int>();
        if (model["byte_fallback"]?.GetValueKind() == JsonValueKind.True)
            throw new InvalidDataException($"{path}: model.byte_fallback true is not implemented (XLM-R's Unigram has none)");
        _normalizer = normalizer;
        _metaspace = metaspace;
        _addedTokens = addedTokens;
        int? Id(string token) => addedTokens.TryGetValue(token, out var a) ? a : _ids.TryGetValue(token, out var v) ? v : null;
        (ClsId, SepId, PadId, _) = specials.Ids(Id, path);
        _specialTokens = LongestFirst(addedTokens.Keys);
    }

    public override int ClsId { get; }
    public override int SepId { get; }
    public override int PadId { get; }
    public override int UnkId { get; }

    /// <summary>Reads <c>tokenizer.json</c> (and, when present, <c>tokenizer_config.json</c> for the special tokens' names) of a model folder.</summary>
    public static UnigramAligner FromFolder(string directory) =>
        FromFile(Path.Combine(directory, "tokenizer.json"), SpecialTokens.FromFolder(directory));

    public static UnigramAligner FromFile(string path, SpecialTokens specials)
    {
        ArgumentNullException.ThrowIfNull(specials);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: missing (a Unigram tokenizer is read from tokenizer.json)", path);
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllBytes(path)) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
        if (json["model"] is not JsonObject model || model["type"]?.ToString() != "Unigram")
            throw new InvalidDataException($"{path}: model.type must be \"Unigram\", found {json["model"]?["type"]?.ToJsonString() ?? "none"}");
        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        if (json["added_tokens"] is JsonArray tokens)
        {
            foreach (var token in tokens)
            {
                if (token?["content"]?.GetValueKind() != JsonValueKind.String || token["id"]?.GetValueKind() != JsonValueKind.Number)
                    throw new InvalidDataException($"{path}: added_tokens entries need \"content\" and \"id\", found {token?.ToJsonString() ?? "null"}");
                added[token["content"]!.GetValue<string>()] = token["id"]!.GetValue<int>();
            }
        }
        return new UnigramAligner(path, model, TextNormalizer.FromJson(json["normalizer"], path), Metaspace.FromJson(json["pre_tokenizer"], path), added, specials);
    }

    protected override IReadOnlyList<int> Tokenize(string word)
    {
        var ids = new List<int>();
        int offset = 0;
        foreach (var (segment, special) in SpecialTokenSegments(word, _specialTokens))
        {
            if (special) ids.Add(_addedTokens[segment]);
            else
            {
                foreach (var piece in _metaspace.Pieces(_normalizer.Apply(segment), startsText: offset == 0))
                    foreach (var token in Viterbi(piece)) ids.Add(_ids.TryGetValue(token, out var id) ? id : UnkId);
            }
            offset += segment.Length;
        }
        return ids;
    }

    /// <summary>The best segmentation of <paramref name="text"/>, the Rust core's <c>encode_optimized</c> over UTF-16 instead of UTF-8 positions.</summary>
    private List<string> Viterbi(string text)
    {
        int size = text.Length;
        var score = new double[size + 1];
        var start = new int[size + 1];
        var id = new int[size + 1];
        Array.Fill(start, -1);
        for (int at = 0; at < size; at = NextChar(text, at))
        {
            double before = score[at];
            int charLength = NextChar(text, at) - at;
            bool singleChar = false;
            for (int length = 1; length <= Math.Min(_maxPieceLength, size - at); length++)
            {
                if (!_ids.TryGetValue(text.Substring(at, length), out var piece)) continue;
                int end = at + length;
                double candidate = before + _scores[piece];
                if (start[end] < 0 || candidate > score[end]) (score[end], start[end], id[end]) = (candidate, at, piece);
                singleChar |= length == charLength;
            }
            if (!singleChar)
            {
                int end = at + charLength;
                double candidate = before + _unknownScore;
                if (start[end] < 0 || candidate > score[end]) (score[end], start[end], id[end]) = (candidate, at, UnkId);
            }
        }
        // Walk back from the end; adjacent unknown pieces are fused into one (fuse_unk, always on for Unigram).
        var pieces = new List<string>();
        var unknown = new StringBuilder();
        for (int end = size; end > 0; end = start[end])
        {
            var piece = text[start[end]..end];
            if (id[end] == UnkId)
            {
                unknown.Insert(0, piece);
                continue;
            }
            if (unknown.Length > 0)
            {
                pieces.Add(unknown.ToString());
                unknown.Clear();
            }
            pieces.Add(piece);
        }
        if (unknown.Length > 0) pieces.Add(unknown.ToString());
        pieces.Reverse();
        return pieces;
    }

    /// <summary>
    /// A JSON number as serde_json (without float_roundtrip, as the Rust core builds it) reads it: the digits as a u64
    /// (digits past its range dropped), then one division or multiplication by a power of ten. For 17-digit scores this
    /// is off by one ulp from a correctly rounded parse now and then, which is enough to flip a Viterbi tie.
    /// </summary>
    internal static double RustJsonDouble(string number)
    {
        int i = 0;
        bool negative = number[i] == '-';
        if (negative) i++;
        ulong significand = 0;
        int exponent = 0;
        bool overflow = false;
        bool fraction = false;
        for (; i < number.Length && (char.IsAsciiDigit(number[i]) || number[i] == '.'); i++)
        {
            if (number[i] == '.')
            {
                fraction = true;
                continue;
            }
            ulong digit = (ulong)(number[i] - '0');
            if (!overflow && significand <= (ulong.MaxValue - digit) / 10)
            {
                significand = significand * 10 + digit;
                if (fraction) exponent--;
            }
            else
            {
                overflow = true;
                if (!fraction) exponent++;
            }
        }
        if (i < number.Length && (number[i] == 'e' || number[i] == 'E'))
            exponent += int.Parse(number.AsSpan(i + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        double value = significand;
        while (value != 0 && exponent < -308)
        {
            value /= 1e308;
            exponent += 308;
        }
        if (exponent >= 0) value *= PowerOfTen(exponent);
        else value /= PowerOfTen(-exponent);
        return negative ? -value : value;
    }

    // 1e0 … 1e308 correctly rounded, as the literals of serde_json's table.
    private static double PowerOfTen(int exponent) => double.Parse($"1e{exponent.ToString(CultureInfo.InvariantCulture)}", CultureInfo.InvariantCulture);

    private static int NextChar(string text, int at) => char.IsHighSurrogate(text[at]) && at + 1 < text.Length && char.IsLowSurrogate(text[at + 1]) ? at + 2 : at + 1;

    /// <summary>Hugging Face's Metaspace pre-tokenizer: spaces become the replacement, one is prepended, the text split before each.</summary>
    private sealed record Metaspace(string Replacement, string PrependScheme, bool SplitsWords)
    {
        public static Metaspace FromJson(JsonNode? node, string path)
        {
            if (node is not JsonObject obj || obj["type"]?.ToString() != "Metaspace")
                throw new InvalidDataException($"{path}: pre_tokenizer {node?["type"]?.ToJsonString() ?? "null"} is not implemented for Unigram (only Metaspace, as XLM-R)");
            var replacement = obj["replacement"]?.ToString() ?? "\u2581";
            if (replacement.Length != 1) throw new InvalidDataException($"{path}: pre_tokenizer.replacement must be one character, found '{replacement}'");
            // Older files say add_prefix_space (true means "always") instead of prepend_scheme.
            var scheme = obj["prepend_scheme"]?.ToString() ?? (obj["add_prefix_space"]?.GetValueKind() == JsonValueKind.False ? "never" : "always");
            if (scheme is not ("always" or "first" or "never"))
                throw new InvalidDataException($"{path}: pre_tokenizer.prepend_scheme must be always, first or never, found '{scheme}'");
            return new Metaspace(replacement, scheme, obj["split"]?.GetValueKind() != JsonValueKind.False);
        }

        /// <param name="startsText">True when the text starts the word (for prepend_scheme "first").</param>
        public IEnumerable<string> Pieces(string text, bool startsText)
        {
            text = text.Replace(" ", Replacement, StringComparison.Ordinal);
            // Prepending to an empty string leaves it empty in the Rust core.
            if (text.Length > 0 && !text.StartsWith(Replacement, StringComparison.Ordinal) && (PrependScheme == "always" || (PrependScheme == "first" && startsText)))
                text = Replacement + text;
            if (!SplitsWords)
            {
                if (text.Length > 0) yield return text;
                yield break;
            }
            // Merged with next: every replacement character starts a new piece.
            int from = 0;
            for (int i = 1; i < text.Length; i++)
            {
                if (text[i] != Replacement[0]) continue;
                yield return text[from..i];
                from = i;
            }
            if (from < text.Length) yield return text[from..];
        }
    }
}
