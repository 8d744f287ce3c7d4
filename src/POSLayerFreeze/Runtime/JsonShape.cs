using System.Text.Json;
using System.Text.Json.Nodes;

namespace POSLayerFreeze.Runtime;

/// <summary>
/// Typed reads of a hand-editable JSON file that fail with a <see cref="FormatException"/> naming the field and
/// what it holds instead. <see cref="JsonNode.GetValue{T}"/> and <see cref="JsonNode.AsObject"/> throw an
/// InvalidOperationException that names neither, which is what a user saw for a wrongly typed golden field.
/// </summary>
internal static class JsonShape
{
    /// <summary>What <paramref name="node"/> is, for a message: "a string", "an array", "null".</summary>
    public static string Kind(JsonNode? node) => node?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "a JSON value",
    };

    public static JsonObject Object(JsonNode? node, string what) =>
        node as JsonObject ?? throw new FormatException($"{what} must be a JSON object, not {Kind(node)}.");

    public static JsonArray Array(JsonNode? node, string what) =>
        node as JsonArray ?? throw new FormatException($"{what} must be a JSON array, not {Kind(node)}.");

    public static string String(JsonNode? node, string what) =>
        node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : throw new FormatException($"{what} must be a string, not {Kind(node)}.");

    /// <summary>A finite double; JSON has no NaN, but 1e400 parses and must not become infinity.</summary>
    public static double Number(JsonNode? node, string what) =>
        node?.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue<double>(out var value) && double.IsFinite(value)
            ? value
            : throw new FormatException($"{what} must be a finite number, not {(node?.GetValueKind() == JsonValueKind.Number ? node.ToJsonString() : Kind(node))}.");

    public static int Int32(JsonNode? node, string what) =>
        node?.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue<int>(out var value)
            ? value
            : throw new FormatException($"{what} must be a 32-bit integer, not {(node?.GetValueKind() == JsonValueKind.Number ? node.ToJsonString() : Kind(node))}.");

    public static long Int64(JsonNode? node, string what) =>
        node?.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue<long>(out var value)
            ? value
            : throw new FormatException($"{what} must be a 64-bit integer, not {(node?.GetValueKind() == JsonValueKind.Number ? node.ToJsonString() : Kind(node))}.");

    /// <summary>
    /// "LINE: problem" for a syntax error, the line 1-based (<see cref="JsonException.LineNumber"/> is 0-based) and
    /// the reason without System.Text.Json's own "Path: … | LineNumber: … | BytePositionInLine: …" tail.
    /// </summary>
    public static (long? Line, string Reason) Describe(JsonException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var reason = e.Message;
        foreach (var tail in new[] { " Path: ", " LineNumber: " })
        {
            var at = reason.IndexOf(tail, StringComparison.Ordinal);
            if (at >= 0) reason = reason[..at];
        }
        reason = reason.TrimEnd().TrimEnd('.');
        var column = e.BytePositionInLine is { } b ? $", byte {Invariant.Format(b + 1)} of the line" : "";
        return (e.LineNumber + 1, $"not valid JSON: {reason}{column}");
    }
}
