using System.Text.Json;
using System.Text.Json.Nodes;

namespace POSLayerFreeze.Tokenization;

/// <summary>
/// The special tokens of a RoBERTa-style tokenizer (<c>&lt;s&gt;</c> opens, <c>&lt;/s&gt;</c> closes), by the names
/// of <c>tokenizer_config.json</c>; their ids come from the vocabulary. Defaults are RoBERTa's and XLM-R's.
/// </summary>
public sealed record SpecialTokens(string Cls = "<s>", string Sep = "</s>", string Pad = "<pad>", string Unk = "<unk>", string Mask = "<mask>")
{
    public IReadOnlyList<string> All => [Cls, Sep, Pad, Unk, Mask];

    /// <summary>Reads the token names from <c>tokenizer_config.json</c> when the folder has one (strings or <c>{"content": …}</c>).</summary>
    public static SpecialTokens FromFolder(string directory)
    {
        var path = Path.Combine(directory, "tokenizer_config.json");
        if (!File.Exists(path)) return new SpecialTokens();
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
        var tokens = new SpecialTokens();
        string Read(string key, string fallback)
        {
            if (json[key] is not { } node) return fallback;
            var content = node is JsonObject obj ? obj["content"] : node;
            return content?.GetValueKind() == JsonValueKind.String && content.GetValue<string>() is { Length: > 0 } text ? text
                : throw new InvalidDataException($"{path}: {key} must be a non-empty string or an object with a \"content\" string, found {node.ToJsonString()}");
        }
        return new SpecialTokens(Read("cls_token", tokens.Cls), Read("sep_token", tokens.Sep), Read("pad_token", tokens.Pad),
            Read("unk_token", tokens.Unk), Read("mask_token", tokens.Mask));
    }

    /// <summary>Each token's id in <paramref name="ids"/>; a token the vocabulary lacks is refused naming <paramref name="file"/>.</summary>
    public (int Cls, int Sep, int Pad, int Unk) Ids(Func<string, int?> ids, string file)
    {
        ArgumentNullException.ThrowIfNull(ids);
        int Id(string token, string field) => ids(token)
            ?? throw new InvalidDataException($"{file}: no '{token}' entry (the tokenizer's {field})");
        return (Id(Cls, "cls_token"), Id(Sep, "sep_token"), Id(Pad, "pad_token"), Id(Unk, "unk_token"));
    }
}
