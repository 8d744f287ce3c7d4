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
    private readonly Dictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly Lock _cacheLock = new();

    private WordPieceAligner(BertTokenizer wordPiece, bool lowercase)
    {
        _wordPiece = wordPiece;
        Lowercase = lowercase;
    }

    public bool Lowercase { get; }
    public int ClsId => _wordPiece.ClassificationTokenId;
    public int SepId => _wordPiece.SeparatorTokenId;
    public int PadId => _wordPiece.PaddingTokenId;
    public int UnkId => _wordPiece.UnknownTokenId;

    /// <summary>Loads a BERT vocab.txt (LF or CRLF line endings).</summary>
    public static WordPieceAligner FromVocab(string vocabPath, bool lowercase)
    {
        using var stream = File.OpenRead(vocabPath);
        return FromVocab(stream, lowercase);
    }

    public static WordPieceAligner FromVocab(Stream vocab, bool lowercase)
    {
        ArgumentNullException.ThrowIfNull(vocab);
        // Basic tokenization off: normalization and splitting are ours (see BertPreTokenizer); what remains is the
        // WordPiece model over single pieces, which holds no whitespace, so its whitespace split is a no-op.
        var options = new BertOptions
        {
            ApplyBasicTokenization = false,
            LowerCaseBeforeTokenization = false,
            RemoveNonSpacingMarks = false,
        };
        return new WordPieceAligner(BertTokenizer.Create(WithLfLineEndings(vocab), options), lowercase);
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
        foreach (var piece in BertPreTokenizer.Split(word, Lowercase))
        {
            ids.AddRange(_wordPiece.EncodeToIds(piece, addSpecialTokens: false));
        }
        int[] result = ids.Count == 0 ? [UnkId] : [.. ids];
        lock (_cacheLock)
        {
            _cache[word] = result;
        }
        return result;
    }

    private static MemoryStream WithLfLineEndings(Stream vocab)
    {
        // Normalized here rather than trusted to the library so a CRLF vocab (the MiniLM NuGet copy) can never
        // leave a trailing '\r' on tokens.
        using var reader = new StreamReader(vocab, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        var text = new StringBuilder();
        while (reader.ReadLine() is { } line) text.Append(line).Append('\n');
        return new MemoryStream(Encoding.UTF8.GetBytes(text.ToString()));
    }
}
