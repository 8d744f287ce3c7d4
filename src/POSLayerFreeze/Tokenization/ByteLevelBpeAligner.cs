using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace POSLayerFreeze.Tokenization;

/// <summary>
/// Byte-level BPE (RoBERTa, GPT-2) from <c>vocab.json</c> + <c>merges.txt</c>, as Hugging Face's RobertaTokenizerFast
/// encodes <c>is_split_into_words=True</c>, which requires <c>add_prefix_space=True</c>: every word alone gets a
/// leading space ("Ġ"), is split by GPT-2's pattern, mapped to byte symbols and merged by Microsoft.ML.Tokenizers'
/// BPE model in byte-level mode. Every byte is a symbol of the alphabet, so no word
/// is ever unknown; the sentence is <c>&lt;s&gt; … &lt;/s&gt;</c>.
/// </summary>
public sealed class ByteLevelBpeAligner : WordTokenizer
{
    // GPT-2's split (Hugging Face's ByteLevel pre-tokenizer with use_regex): contractions, letters, digits, other
    // symbols, each run taking one leading space; whitespace runs alone.
    private static readonly Regex Gpt2Pattern = new(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+",
        RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    private readonly BpeTokenizer _bpe;
    private readonly Dictionary<string, int> _vocab;
    private readonly string[] _specialTokens;

    private ByteLevelBpeAligner(BpeTokenizer bpe, Dictionary<string, int> vocab, SpecialTokens specials, string vocabPath)
    {
        _bpe = bpe;
        _vocab = vocab;
        Specials = specials;
        (ClsId, SepId, PadId, UnkId) = specials.Ids(t => vocab.TryGetValue(t, out var id) ? id : null, vocabPath);
        _specialTokens = LongestFirst(specials.All.Where(vocab.ContainsKey));
    }

    public SpecialTokens Specials { get; }
    public override int ClsId { get; }
    public override int SepId { get; }
    public override int PadId { get; }
    public override int UnkId { get; }

    /// <summary>Reads <c>vocab.json</c>, <c>merges.txt</c> and, when present, <c>tokenizer_config.json</c> of a model folder.</summary>
    public static ByteLevelBpeAligner FromFolder(string directory) =>
        FromFiles(Path.Combine(directory, "vocab.json"), Path.Combine(directory, "merges.txt"), SpecialTokens.FromFolder(directory));

    public static ByteLevelBpeAligner FromFiles(string vocabPath, string mergesPath, SpecialTokens specials)
    {
        ArgumentNullException.ThrowIfNull(specials);
        foreach (var file in new[] { vocabPath, mergesPath })
            if (!File.Exists(file)) throw new FileNotFoundException($"{file}: missing (byte-level BPE needs vocab.json and merges.txt)", file);
        Dictionary<string, int> vocab;
        try
        {
            vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllBytes(vocabPath))
                ?? throw new InvalidDataException($"{vocabPath}: null instead of a token → id object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{vocabPath}: not a JSON object of token → id ({e.Message})", e);
        }
        // Special tokens are cut out before the model (as Hugging Face's added tokens are), so the BPE gets none; with
        // every byte in the alphabet it needs no unknown token either.
        var bpe = BpeTokenizer.Create(new BpeOptions(vocabPath, mergesPath) { ByteLevel = true, PreTokenizer = new RegexPreTokenizer(Gpt2Pattern, null) });
        return new ByteLevelBpeAligner(bpe, vocab, specials, vocabPath);
    }

    protected override IReadOnlyList<int> Tokenize(string word)
    {
        var ids = new List<int>();
        foreach (var (segment, special) in SpecialTokenSegments(word, _specialTokens))
        {
            if (special) ids.Add(_vocab[segment]);
            // add_prefix_space: a segment that does not start with a space gets one, so every word starts with "Ġ".
            else ids.AddRange(_bpe.EncodeToIds(segment.StartsWith(' ') ? segment : " " + segment));
        }
        return ids;
    }
}
