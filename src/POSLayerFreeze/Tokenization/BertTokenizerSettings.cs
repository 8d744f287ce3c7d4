using System.Text.Json;
using System.Text.Json.Nodes;

namespace POSLayerFreeze.Tokenization;

/// <summary>
/// The options of Hugging Face's <c>BertTokenizer</c> that decide ids, with its defaults: lowercase, strip accents
/// when lowercasing (<c>strip_accents</c> null), isolate CJK ideographs, no <c>never_split</c>, the five BERT
/// special tokens. Read from a model folder's <c>tokenizer_config.json</c> by <see cref="FromFile"/>.
/// </summary>
public sealed record BertTokenizerSettings
{
    /// <summary>Tokenizer classes that are BERT WordPiece with these options; any other class is refused by name.</summary>
    public static IReadOnlyList<string> ImplementedClasses { get; } =
        ["BertTokenizer", "BertTokenizerFast", "DistilBertTokenizer", "DistilBertTokenizerFast"];

    public bool DoLowerCase { get; init; } = true;

    /// <summary>Null: follow <see cref="DoLowerCase"/>, as Hugging Face does.</summary>
    public bool? StripAccents { get; init; }

    public bool TokenizeChineseChars { get; init; } = true;

    /// <summary>Whole words kept as they are: not lowercased, not split on punctuation, looked up in the vocabulary whole.</summary>
    public IReadOnlyList<string> NeverSplit { get; init; } = [];

    public string UnkToken { get; init; } = "[UNK]";
    public string SepToken { get; init; } = "[SEP]";
    public string PadToken { get; init; } = "[PAD]";
    public string ClsToken { get; init; } = "[CLS]";
    public string MaskToken { get; init; } = "[MASK]";
    public IReadOnlyList<string> AdditionalSpecialTokens { get; init; } = [];

    public static BertTokenizerSettings Uncased { get; } = new();

    public static BertTokenizerSettings Cased { get; } = new() { DoLowerCase = false };

    public bool StripsAccents => StripAccents ?? DoLowerCase;

    /// <summary>Every special token: found whole inside a word before any normalization, as Hugging Face does.</summary>
    public IReadOnlyList<string> AllSpecialTokens =>
        new[] { UnkToken, SepToken, PadToken, ClsToken, MaskToken }.Concat(AdditionalSpecialTokens).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>True when these are Hugging Face's defaults (the uncased BERT tokenizer); results record only the rest.</summary>
    public bool IsDefault =>
        DoLowerCase && StripAccents is null && TokenizeChineseChars && NeverSplit.Count == 0 && AdditionalSpecialTokens.Count == 0
        && (UnkToken, SepToken, PadToken, ClsToken, MaskToken) == ("[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]");

    public JsonObject ToJson() => new()
    {
        ["do_lower_case"] = DoLowerCase,
        ["strip_accents"] = StripAccents,
        ["tokenize_chinese_chars"] = TokenizeChineseChars,
        ["never_split"] = new JsonArray(NeverSplit.Select(t => (JsonNode)t).ToArray()),
        ["unk_token"] = UnkToken,
        ["sep_token"] = SepToken,
        ["pad_token"] = PadToken,
        ["cls_token"] = ClsToken,
        ["mask_token"] = MaskToken,
        ["additional_special_tokens"] = new JsonArray(AdditionalSpecialTokens.Select(t => (JsonNode)t).ToArray()),
    };

    /// <summary>
    /// Reads <c>tokenizer_config.json</c>. Keys that change ids are honoured (<c>do_lower_case</c>, <c>strip_accents</c>,
    /// <c>tokenize_chinese_chars</c>, <c>never_split</c>, the special tokens as strings or <c>{"content": …}</c>);
    /// an unimplemented <c>tokenizer_class</c> or <c>do_basic_tokenize: false</c> is refused; keys that only concern
    /// whole-text encoding (model_max_length, padding side, …) do not change per-word ids and are not read.
    /// </summary>
    public static BertTokenizerSettings FromFile(string path)
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
        if (json["tokenizer_class"] is { } cls)
        {
            var name = Text(cls, "tokenizer_class", path);
            if (!ImplementedClasses.Contains(name, StringComparer.Ordinal))
            {
                throw new InvalidDataException(
                    $"{path}: tokenizer_class '{name}' is not implemented (only BERT WordPiece: {string.Join(", ", ImplementedClasses)})");
            }
        }
        if (json["do_basic_tokenize"] is { } basic && !Bool(basic, "do_basic_tokenize", path))
            throw new InvalidDataException($"{path}: do_basic_tokenize false is not implemented (BERT's basic tokenization always runs here)");
        var settings = new BertTokenizerSettings();
        if (json["do_lower_case"] is { } lower) settings = settings with { DoLowerCase = Bool(lower, "do_lower_case", path) };
        if (json.ContainsKey("strip_accents"))
            settings = settings with { StripAccents = json["strip_accents"] is { } strip ? Bool(strip, "strip_accents", path) : null };
        if (json["tokenize_chinese_chars"] is { } cjk) settings = settings with { TokenizeChineseChars = Bool(cjk, "tokenize_chinese_chars", path) };
        if (json["never_split"] is { } never) settings = settings with { NeverSplit = TokenList(never, "never_split", path) };
        if (json["unk_token"] is { } unk) settings = settings with { UnkToken = Token(unk, "unk_token", path) };
        if (json["sep_token"] is { } sep) settings = settings with { SepToken = Token(sep, "sep_token", path) };
        if (json["pad_token"] is { } pad) settings = settings with { PadToken = Token(pad, "pad_token", path) };
        if (json["cls_token"] is { } clsToken) settings = settings with { ClsToken = Token(clsToken, "cls_token", path) };
        if (json["mask_token"] is { } mask) settings = settings with { MaskToken = Token(mask, "mask_token", path) };
        if (json["additional_special_tokens"] is { } extra)
            settings = settings with { AdditionalSpecialTokens = TokenList(extra, "additional_special_tokens", path) };
        return settings;
    }

    private static bool Bool(JsonNode node, string key, string path) => node.GetValueKind() switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new InvalidDataException($"{path}: {key} must be true or false, found {node.ToJsonString()}"),
    };

    private static string Text(JsonNode node, string key, string path) =>
        node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>()
            : throw new InvalidDataException($"{path}: {key} must be a string, found {node.ToJsonString()}");

    // A special token is a string or an AddedToken object ({"content": "[UNK]", "lstrip": false, …}).
    private static string Token(JsonNode node, string key, string path)
    {
        var content = node is JsonObject obj ? obj["content"] : node;
        var text = content is null ? null : content.GetValueKind() == JsonValueKind.String ? content.GetValue<string>() : null;
        if (string.IsNullOrEmpty(text))
            throw new InvalidDataException($"{path}: {key} must be a non-empty string or an object with a \"content\" string, found {node.ToJsonString()}");
        return text;
    }

    private static string[] TokenList(JsonNode node, string key, string path) =>
        node is JsonArray array ? array.Select((t, i) => Token(t ?? throw new InvalidDataException($"{path}: {key}[{i}] is null"), $"{key}[{i}]", path)).ToArray()
            : throw new InvalidDataException($"{path}: {key} must be a list, found {node.ToJsonString()}");
}
