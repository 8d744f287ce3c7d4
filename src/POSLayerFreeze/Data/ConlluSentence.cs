namespace POSLayerFreeze.Data;

/// <summary>A syntactic word: a CoNLL-U row with an integer ID. <see cref="Line"/> is 1-based in its file.</summary>
public sealed record ConlluWord(int Id, string Form, string Upos, int UposId, int Line);

/// <summary>
/// One sentence as read: <see cref="Lines"/> keeps every raw line (comments, multiword-token ranges, empty nodes)
/// so a writer can reproduce the file; <see cref="Words"/> are the labelled rows only.
/// </summary>
public sealed class ConlluSentence
{
    public ConlluSentence(IReadOnlyList<string> lines, IReadOnlyList<ConlluWord> words, IReadOnlyList<int> wordLineIndexes, int firstLine)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(wordLineIndexes);
        if (words.Count != wordLineIndexes.Count)
            throw new ArgumentException("one line index per word is needed", nameof(wordLineIndexes));
        Lines = lines;
        Words = words;
        WordLineIndexes = wordLineIndexes;
        FirstLine = firstLine;
        Comments = [.. lines.Where(l => l.StartsWith('#'))];
    }

    public IReadOnlyList<string> Comments { get; }
    public IReadOnlyList<string> Lines { get; }
    public IReadOnlyList<ConlluWord> Words { get; }

    /// <summary>For each word, the index of its row in <see cref="Lines"/>.</summary>
    public IReadOnlyList<int> WordLineIndexes { get; }

    /// <summary>1-based line of the sentence's first line in its file.</summary>
    public int FirstLine { get; }

    /// <summary>The value of the <c># sent_id = …</c> comment, if any.</summary>
    public string? SentId =>
        Comments.Select(c => c.TrimStart('#', ' '))
            .Where(c => c.StartsWith("sent_id", StringComparison.Ordinal) && c.Contains('=', StringComparison.Ordinal))
            .Select(c => c[(c.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim())
            .FirstOrDefault();

    /// <summary>Multiword-token range rows (<c>1-2</c>): surface tokens whose words are counted, not the range itself.</summary>
    public int MultiwordTokens => Lines.Count(l => !l.StartsWith('#') && IdColumn(l).Contains('-', StringComparison.Ordinal));

    /// <summary>Empty-node rows (<c>8.1</c>): not words of the CoNLL 2018 UPOS score.</summary>
    public int EmptyNodes => Lines.Count(l => !l.StartsWith('#') && IdColumn(l).Contains('.', StringComparison.Ordinal));

    private static string IdColumn(string line) => line.IndexOf('\t', StringComparison.Ordinal) is var tab and >= 0 ? line[..tab] : line;

    public string[] Forms() => [.. Words.Select(w => w.Form)];

    public int[] UposIds() => [.. Words.Select(w => w.UposId)];
}
