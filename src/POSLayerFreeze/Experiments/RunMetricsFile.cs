using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Experiments;

/// <summary>
/// The one place that turns <see cref="RunMetrics"/> into metrics.json text and back. Text is what main wrote
/// before the schema was typed, byte for byte (keys sorted at every level, numbers in .NET's shortest round-trip
/// spelling, <see cref="Invariant.ToJson"/>), plus <c>schema_version</c>. Reading respells every number and
/// string the way the writer would (<see cref="Canonical"/>), so a file re-serialised by jq or Python's json.dump
/// holds the same values and hashes the same; then <see cref="Upgrade"/> brings an older schema to the current one.
/// </summary>
public static class RunMetricsFile
{
    private static readonly JsonSerializerOptions Strict = new(RunMetricsContext.Default.Options);
    private static readonly JsonSerializerOptions Lenient = new(RunMetricsContext.Default.Options)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>metrics.json's text; refuses (naming the field) a NaN or infinite number, which JSON cannot hold.</summary>
    public static string ToJson(RunMetrics metrics) => Invariant.ToJson(ToNode(metrics)) + "\n";

    /// <summary>A treebank record as metrics.json holds it (summary.json repeats it).</summary>
    public static JsonObject ToNode(RunTreebank treebank) =>
        (JsonObject)JsonSerializer.SerializeToNode(treebank, RunMetricsContext.Default.RunTreebank)!;

    public static JsonObject ToNode(RunMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        try
        {
            return (JsonObject)JsonSerializer.SerializeToNode(metrics, Strict.GetTypeInfo(typeof(RunMetrics)))!;
        }
        catch (ArgumentException)
        {
            // A non-finite double: serialised leniently it is the string "NaN"/"Infinity", which names the field.
        }
        var lenient = JsonSerializer.SerializeToNode(metrics, Lenient.GetTypeInfo(typeof(RunMetrics)))!;
        EnsureFinite(lenient, "", namedLiterals: true);
        throw new InvalidOperationException("metrics hold a NaN or infinite number; the run is not written");
    }

    /// <summary>metrics.json never holds NaN or ±Infinity (JSON cannot, and such a run is not a result): names the field.</summary>
    internal static void EnsureFinite(JsonNode? node, string path, bool namedLiterals = false)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, child) in o) EnsureFinite(child, path.Length == 0 ? key : $"{path}.{key}", namedLiterals);
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++) EnsureFinite(a[i], $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]", namedLiterals);
                break;
            case JsonValue v when (v.TryGetValue<double>(out var d) && !double.IsFinite(d)) || (v.TryGetValue<float>(out var f) && !float.IsFinite(f))
                                  || (namedLiterals && v.TryGetValue<string>(out var s) && s is "NaN" or "Infinity" or "-Infinity"):
                throw new InvalidOperationException($"metrics field '{path}' is NaN or infinite; the run is not written");
        }
    }

    /// <summary>
    /// A parsed metrics.json object as the current schema: <see cref="Canonical"/>, then <see cref="Upgrade"/>. Its
    /// fields are checked by <see cref="RunReader"/> (messages naming each) before <see cref="Typed"/> reads it.
    /// </summary>
    public static JsonObject Prepare(JsonObject raw) => Upgrade((JsonObject)Canonical(raw)!);

    /// <summary>The prepared object as <see cref="RunMetrics"/>, or a <see cref="FormatException"/> naming the field.</summary>
    public static RunMetrics Typed(JsonObject prepared)
    {
        try
        {
            return JsonSerializer.Deserialize(prepared, RunMetricsContext.Default.RunMetrics) ?? throw new FormatException("metrics.json is null");
        }
        catch (JsonException e)
        {
            throw new FormatException(Problem(e), e);
        }
    }

    /// <summary>
    /// A typed read's failure in this project's words: <c>field 'train.steps' …</c> or <c>configs[0] has no 'frozen'</c>.
    /// System.Text.Json names the field as a path (<c>$.train.steps</c>) and missing required ones only in its message.
    /// </summary>
    internal static string Problem(JsonException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var at = e.Path is { Length: > 2 } path ? path[2..].TrimStart('.') : null;
        const string Missing = "missing required properties including: ";
        var message = e.Message;
        var tail = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (tail >= 0) message = message[..tail];
        var missing = message.IndexOf(Missing, StringComparison.Ordinal);
        if (missing >= 0)
        {
            var names = message[(missing + Missing.Length)..].TrimEnd().TrimEnd('.');
            return at is null ? $"has no {names}" : $"{at} has no {names}";
        }
        return at is null ? JsonShape.Describe(e).Reason : $"field '{at}' is not of the type it must have";
    }

    /// <summary>
    /// The one migration step: a folder written before <c>schema_version</c> existed (main up to issue 24; its
    /// fields are exactly those of version 1, some missing in older runs, which the nullable properties say) is
    /// read as version 1. A later schema adds its step here, so no reader branches on the age of a run.
    /// </summary>
    public static JsonObject Upgrade(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var version = json["schema_version"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : 0;
        if (version > RunMetrics.CurrentSchemaVersion)
            throw new FormatException($"field 'schema_version' is {version}, newer than this poslf reads ({RunMetrics.CurrentSchemaVersion}): use a newer poslf");
        if (version == 0)
        {
            // Runs made before log_history was written had none: an empty log, not a missing one.
            json["log_history"] ??= new JsonArray();
            json["schema_version"] = 1;
        }
        return json;
    }

    /// <summary>
    /// The same values spelled as the writer spells them: a number with a fraction or exponent re-formatted from
    /// its double (<c>1e-08</c> → <c>1E-08</c>, <c>5.0</c> → <c>5</c>), integers and strings as they are (escapes
    /// undone, as any JSON reader does). Key order needs nothing: <see cref="Invariant.ToJson"/> sorts. A number
    /// beyond a double's range (<c>1e999</c>) is no value any run writes: a <see cref="FormatException"/> naming the field.
    /// </summary>
    public static JsonNode? Canonical(JsonNode? node) => Canonical(node, "");

    private static JsonNode? Canonical(JsonNode? node, string at) => node switch
    {
        JsonObject o => new JsonObject(o.Select(kv => KeyValuePair.Create(kv.Key, Canonical(kv.Value, at.Length == 0 ? kv.Key : at + "." + kv.Key)))),
        JsonArray a => new JsonArray(a.Select((item, i) => Canonical(item, $"{at}[{i.ToString(CultureInfo.InvariantCulture)}]")).ToArray()),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => JsonValue.Create(v.GetValue<string>()),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number && v.ToJsonString() is var text && !IsInteger(text) =>
            JsonValue.Create(Finite(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture), text, at)),
        null => null,
        _ => node.DeepClone(),
    };

    private static double Finite(double value, string text, string at) =>
        double.IsFinite(value) ? value : throw new FormatException($"field '{at}' is {text}, beyond the range of a number");

    private static bool IsInteger(string text) => text.All(c => c is '-' or (>= '0' and <= '9'));

    /// <summary>
    /// The inputs hash, the key a sweep resumes by: sha256 of the inputs as <see cref="Invariant.ToJson"/> writes
    /// them, after <see cref="Canonical"/>, so it is of the values and not of how a file happened to spell them. For
    /// what <see cref="RunSpec.ToJson"/> builds the canonical text is the written text: hashes of main's runs hold.
    /// </summary>
    public static string InputsHash(JsonObject inputs) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Invariant.ToJson(Canonical(inputs)))));
}
