using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace POSLayerFreeze.Runtime;

/// <summary>
/// One place for culture-free formatting: numbers are always written with the invariant culture and JSON
/// objects with a stable key order, so files compare byte-for-byte across machines and locales.
/// </summary>
public static class Invariant
{
    public static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        IndentSize = 2,
        NewLine = "\n",
    };

    public static string Format(double value, string format = "R") => value.ToString(format, Culture);

    public static string Format(long value) => value.ToString(Culture);

    /// <summary>Serializes a JSON node with keys sorted ordinally at every level.</summary>
    public static string ToJson(JsonNode? node) => Sorted(node)?.ToJsonString(Json) ?? "null";

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => KeyValuePair.Create(kv.Key, Sorted(kv.Value)))),
        JsonArray arr => new JsonArray(arr.Select(Sorted).ToArray()),
        null => null,
        _ => node.DeepClone(),
    };
}
