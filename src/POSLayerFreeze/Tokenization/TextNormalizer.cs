using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace POSLayerFreeze.Tokenization;

/// <summary>
/// The <c>normalizer</c> of a Hugging Face <c>tokenizer.json</c>, for the kinds that SentencePiece-style tokenizers use:
/// Precompiled (SentencePiece's charsmap: XLM-R's), Replace (a string or a regex), Strip and Sequence. Any other kind
/// is refused by name rather than approximated: NFC/NFKC and friends above all, since .NET's normalization under
/// invariant globalization (this repository's setting) leaves non-ASCII text as it is.
/// </summary>
public sealed class TextNormalizer
{
    private readonly Func<string, string> _apply;

    private TextNormalizer(Func<string, string> apply) => _apply = apply;

    public static TextNormalizer Identity { get; } = new(s => s);

    public string Apply(string text) => _apply(text);

    public static TextNormalizer FromJson(JsonNode? node, string path)
    {
        if (node is null) return Identity;
        var type = node["type"]?.ToString();
        string Field(string name) => node[name]?.ToString() ?? throw new InvalidDataException($"{path}: normalizer {type} needs \"{name}\"");
        return type switch
        {
            "Precompiled" => Precompiled(node["precompiled_charsmap"]?.ToString(), path),
            "Strip" => Strip(node["strip_left"]?.GetValue<bool>() ?? true, node["strip_right"]?.GetValue<bool>() ?? true),
            "Replace" => Replace(node["pattern"], Field("content"), path),
            "Sequence" when node["normalizers"] is JsonArray list => Chain([.. list.Select(n => FromJson(n, path))]),
            _ => throw new InvalidDataException(
                $"{path}: normalizer {type ?? node.ToJsonString()} is not implemented (implemented: Precompiled, Replace, Strip, Sequence)"),
        };
    }

    private static TextNormalizer Precompiled(string? base64, string path)
    {
        try
        {
            var charsmap = new PrecompiledCharsmap(Convert.FromBase64String(base64 ?? throw new InvalidDataException("no precompiled_charsmap")));
            return new(charsmap.Normalize);
        }
        catch (Exception e) when (e is FormatException or InvalidDataException)
        {
            throw new InvalidDataException($"{path}: normalizer Precompiled: {e.Message}", e);
        }
    }

    private static TextNormalizer Chain(TextNormalizer[] steps) => new(s => steps.Aggregate(s, (text, step) => step.Apply(text)));

    // Hugging Face strips Unicode White_Space, which is what char.IsWhiteSpace tests.
    private static TextNormalizer Strip(bool left, bool right) => new(s => left && right ? s.Trim() : left ? s.TrimStart() : right ? s.TrimEnd() : s);

    private static TextNormalizer Replace(JsonNode? pattern, string content, string path)
    {
        if (pattern?["String"]?.ToString() is { } literal) return new(s => s.Replace(literal, content, StringComparison.Ordinal));
        if (pattern?["Regex"]?.ToString() is { } regex)
        {
            var compiled = new Regex(regex, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            return new(s => compiled.Replace(s, content));
        }
        throw new InvalidDataException($"{path}: normalizer Replace needs a pattern {{\"String\": …}} or {{\"Regex\": …}}, found {pattern?.ToJsonString() ?? "null"}");
    }
}
