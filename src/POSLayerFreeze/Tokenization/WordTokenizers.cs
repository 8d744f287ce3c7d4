using POSLayerFreeze.Models;

namespace POSLayerFreeze.Tokenization;

/// <summary>The tokenizer seam: which <see cref="WordTokenizer"/> a model's <see cref="TokenizerKind"/> reads, and from which files.</summary>
public static class WordTokenizers
{
    /// <summary>The tokenizer of a resolved model, chosen by its family's kind.</summary>
    public static WordTokenizer For(ModelSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var family = EncoderFamilies.Find(source.Family)
            ?? throw new InvalidDataException($"{source.ConfigPath}: model_type '{source.Family}' has no encoder family");
        return family.Tokenizer == TokenizerKind.WordPiece && source.Tokenizer is { } settings
            ? WordPieceAligner.FromVocab(source.VocabPath, settings)
            : FromFolder(family.Tokenizer, source.Directory);
    }

    /// <summary>A tokenizer of <paramref name="kind"/> read from a Hugging Face model folder (<see cref="Files"/>).</summary>
    public static WordTokenizer FromFolder(TokenizerKind kind, string directory) => kind switch
    {
        TokenizerKind.WordPiece => WordPieceAligner.FromVocab(Path.Combine(directory, "vocab.txt"), TokenizerConfig(directory)),
        TokenizerKind.ByteLevelBpe => ByteLevelBpeAligner.FromFolder(directory),
        TokenizerKind.Unigram => UnigramAligner.FromFolder(directory),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no tokenizer for this kind"),
    };

    /// <summary>The files a model folder must hold for <paramref name="kind"/> (tokenizer_config.json is read when present).</summary>
    public static IReadOnlyList<string> Files(TokenizerKind kind) => kind switch
    {
        TokenizerKind.WordPiece => ["vocab.txt"],
        TokenizerKind.ByteLevelBpe => ["vocab.json", "merges.txt"],
        TokenizerKind.Unigram => ["tokenizer.json"],
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no tokenizer for this kind"),
    };

    /// <summary>
    /// The kind a tokenizer folder holds, by its files alone (for <c>poslf tokenize --model FOLDER</c> without a
    /// config.json): tokenizer.json with a Unigram model, vocab.json + merges.txt, or vocab.txt; null when none.
    /// </summary>
    public static TokenizerKind? Detect(string directory)
    {
        var tokenizerJson = Path.Combine(directory, "tokenizer.json");
        if (File.Exists(tokenizerJson) && ModelType(tokenizerJson) == "Unigram") return TokenizerKind.Unigram;
        if (Files(TokenizerKind.ByteLevelBpe).All(f => File.Exists(Path.Combine(directory, f)))) return TokenizerKind.ByteLevelBpe;
        if (File.Exists(Path.Combine(directory, "vocab.txt"))) return TokenizerKind.WordPiece;
        return null;
    }

    private static string? ModelType(string tokenizerJson)
    {
        try
        {
            using var stream = File.OpenRead(tokenizerJson);
            using var json = System.Text.Json.JsonDocument.Parse(stream);
            return json.RootElement.TryGetProperty("model", out var model) && model.ValueKind == System.Text.Json.JsonValueKind.Object
                && model.TryGetProperty("type", out var type) && type.ValueKind == System.Text.Json.JsonValueKind.String ? type.GetString() : null;
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidDataException($"{tokenizerJson}: not valid JSON ({e.Message})", e);
        }
    }

    private static BertTokenizerSettings TokenizerConfig(string directory)
    {
        var path = Path.Combine(directory, "tokenizer_config.json");
        return File.Exists(path) ? BertTokenizerSettings.FromFile(path) : BertTokenizerSettings.Uncased;
    }
}
