using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using POSLayerFreeze.Tokenization;

namespace POSLayerFreeze.Models;

/// <summary>
/// The tokenizer files of a model folder, decided by its family's <see cref="TokenizerKind"/> (config.json's
/// model_type), and the check that every id they hold has a row in the embeddings. One place for ModelCatalog (what a
/// folder must hold), the Hub (what to download), the model identity (what to hash) and a saved tagger (what to copy).
/// </summary>
public static class TokenizerFiles
{
    public const string TokenizerConfig = "tokenizer_config.json";

    /// <summary>The files a folder must hold for <paramref name="kind"/>: vocab.txt; vocab.json + merges.txt; tokenizer.json.</summary>
    public static IReadOnlyList<string> Required(TokenizerKind kind) => WordTokenizers.Files(kind);

    /// <summary>
    /// The kind named by the config.json in <paramref name="directory"/> (its model_type's family), read before any
    /// tokenizer file is looked for; an unknown model_type is refused by <see cref="EncoderConfig.FromFile"/>.
    /// </summary>
    public static TokenizerKind KindOf(string configPath) => EncoderConfig.FromFile(configPath).Family.Tokenizer;

    /// <summary>
    /// The files whose bytes decide the ids, in a fixed order: the kind's files and, for byte-level BPE and Unigram,
    /// tokenizer_config.json when present (it names their special tokens). WordPiece's tokenizer_config.json is not
    /// listed: its settings are recorded as settings (so every WordPiece identity stays what it was).
    /// </summary>
    public static IReadOnlyList<string> Hashed(TokenizerKind kind, string directory)
    {
        var files = Required(kind).Select(f => Path.Combine(directory, f)).ToList();
        var config = Path.Combine(directory, TokenizerConfig);
        if (kind != TokenizerKind.WordPiece && File.Exists(config)) files.Add(config);
        return files;
    }

    /// <summary>
    /// metrics.json's <c>tokenizer</c>: WordPiece's settings as they always were (so no existing result changes), for
    /// the other kinds <c>{"kind": …}</c> (their files are hashed in the model identity).
    /// </summary>
    public static JsonObject Record(ModelSource model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Tokenizer?.ToJson() ?? new JsonObject { ["kind"] = model.Kind.ToString() };
    }

    /// <summary>
    /// Refuses a vocabulary with an id at or past <paramref name="vocabSize"/> (it would index outside the
    /// embeddings, inside libtorch), naming the file. WordPiece is checked by ModelCatalog with its special tokens;
    /// this covers vocab.json's ids and tokenizer.json's pieces and added tokens.
    /// </summary>
    public static void CheckIds(TokenizerKind kind, string directory, int vocabSize, string configPath)
    {
        var (file, maxId) = kind switch
        {
            TokenizerKind.ByteLevelBpe => MaxVocabJsonId(Path.Combine(directory, "vocab.json")),
            TokenizerKind.Unigram => MaxTokenizerJsonId(Path.Combine(directory, "tokenizer.json")),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "WordPiece is checked with its special tokens by ModelCatalog"),
        };
        if (maxId >= vocabSize)
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{file}: holds id {maxId}, but {configPath} has vocab_size {vocabSize} (ids from {vocabSize} on have no embedding)"));
    }

    private static (string, long) MaxVocabJsonId(string path)
    {
        var vocab = Parse(path);
        long max = -1;
        foreach (var (token, id) in vocab)
        {
            if (id is null || id.GetValueKind() != JsonValueKind.Number || !id.AsValue().TryGetValue<long>(out var value) || value < 0)
                throw new InvalidDataException($"{path}: the id of '{token}' is not a non-negative integer");
            max = Math.Max(max, value);
        }
        return (path, max);
    }

    private static (string, long) MaxTokenizerJsonId(string path)
    {
        var json = Parse(path);
        long max = json["model"]?["vocab"] is JsonArray pieces ? pieces.Count - 1 : -1;
        if (json["added_tokens"] is JsonArray added)
        {
            foreach (var token in added)
            {
                if (token?["id"] is { } id && id.GetValueKind() == JsonValueKind.Number && id.AsValue().TryGetValue<long>(out var value))
                    max = Math.Max(max, value);
                else
                    throw new InvalidDataException($"{path}: an added_tokens entry has no integer id ({token?.ToJsonString()})");
            }
        }
        return (path, max);
    }

    private static JsonObject Parse(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllBytes(path)) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
    }
}
