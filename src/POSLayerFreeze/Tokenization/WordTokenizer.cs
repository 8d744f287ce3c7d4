using POSLayerFreeze.Data;

namespace POSLayerFreeze.Tokenization;

/// <summary>
/// Words in, ids out, the way Hugging Face's fast tokenizers encode <c>is_split_into_words=True</c>: each word is
/// tokenized on its own, the sentence framed by the family's start and end tokens (<c>[CLS] … [SEP]</c>,
/// <c>&lt;s&gt; … &lt;/s&gt;</c>), the first sub-token of a word carrying its label. What differs between kinds is only
/// how one word becomes sub-tokens (<see cref="Tokenize"/>); framing, windows and the length limit are here, once.
/// A word that yields no sub-token at all becomes the unknown token, so that every word gets a prediction.
/// Thread-safe; per-word encodings are cached because treebank vocabularies repeat heavily.
/// </summary>
public abstract class WordTokenizer
{
    private readonly Dictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly Lock _cacheLock = new();

    /// <summary>The id that opens every sequence: [CLS] or &lt;s&gt;.</summary>
    public abstract int ClsId { get; }

    /// <summary>The id that closes every sequence: [SEP] or &lt;/s&gt;.</summary>
    public abstract int SepId { get; }

    public abstract int PadId { get; }

    public abstract int UnkId { get; }

    /// <summary>The sub-token ids of one word as the Hugging Face tokenizer gives them; may be empty.</summary>
    protected abstract IReadOnlyList<int> Tokenize(string word);

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
        var ids = Tokenize(word);
        int[] result = ids.Count == 0 ? [UnkId] : [.. ids];
        lock (_cacheLock)
        {
            _cache[word] = result;
        }
        return result;
    }

    /// <summary>
    /// <paramref name="word"/> cut around <paramref name="specialTokens"/> (longest first), matched leftmost-longest in
    /// the raw text before any normalization, as Hugging Face's added-token matching does: "&lt;s&gt;" stays one token,
    /// and each piece around it is tokenized as if it stood alone.
    /// </summary>
    protected static List<(string Text, bool Special)> SpecialTokenSegments(string word, IReadOnlyList<string> specialTokens)
    {
        ArgumentNullException.ThrowIfNull(word);
        ArgumentNullException.ThrowIfNull(specialTokens);
        var segments = new List<(string, bool)>();
        int start = 0;
        for (int i = 0; i < word.Length;)
        {
            var match = specialTokens.FirstOrDefault(t => string.CompareOrdinal(word, i, t, 0, t.Length) == 0);
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

    /// <summary>Special tokens ordered so that of two starting at the same place the longer one wins.</summary>
    protected static string[] LongestFirst(IEnumerable<string> tokens) =>
        [.. tokens.Distinct(StringComparer.Ordinal).OrderByDescending(t => t.Length).ThenBy(t => t, StringComparer.Ordinal)];
}
