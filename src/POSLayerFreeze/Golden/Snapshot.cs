using System.Text.Json;
using System.Text.Json.Nodes;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Golden;

/// <summary>A measured value and the absolute distance from the verified value that still counts as the same.</summary>
public sealed record Metric
{
    public Metric(double value, double tolerance)
    {
        if (!double.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "A golden metric must be finite.");
        if (!double.IsFinite(tolerance) || tolerance < 0)
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "A tolerance must be finite and non-negative.");
        Value = value;
        Tolerance = tolerance;
    }

    public double Value { get; }

    public double Tolerance { get; }
}

public enum FactKind
{
    Text,
    Boolean,
    Integer,
}

/// <summary>A value compared exactly: a string (a claim's "holds"), a bool, or an integer (parameter and word counts).</summary>
public sealed record Fact
{
    private Fact(FactKind kind, string text)
    {
        Kind = kind;
        Text = text;
    }

    public FactKind Kind { get; }

    /// <summary>The canonical invariant text; equality of facts is equality of kind and text.</summary>
    public string Text { get; }

    public static Fact Of(string value) => new(FactKind.Text, value ?? throw new ArgumentNullException(nameof(value)));

    public static Fact Of(bool value) => new(FactKind.Boolean, value ? "true" : "false");

    public static Fact Of(long value) => new(FactKind.Integer, Invariant.Format(value));

    public override string ToString() => Kind == FactKind.Text ? $"\"{Text}\"" : Text;

    internal JsonNode ToJson() => Kind switch
    {
        FactKind.Text => JsonValue.Create(Text),
        FactKind.Boolean => JsonValue.Create(Text == "true"),
        _ => JsonNode.Parse(Text)!,
    };

    internal static Fact FromJson(JsonNode? node, string name) => node?.GetValueKind() switch
    {
        JsonValueKind.String => Of(node.GetValue<string>()),
        JsonValueKind.True => Of(true),
        JsonValueKind.False => Of(false),
        JsonValueKind.Number when long.TryParse(node.ToJsonString(), System.Globalization.NumberStyles.AllowLeadingSign, Invariant.Culture, out var n) => Of(n),
        _ => throw new FormatException($"Fact '{name}' must be a string, a boolean or an integer."),
    };
}

/// <summary>
/// Where a snapshot came from. <see cref="Profile"/>, <see cref="ProfileVersion"/>, <see cref="Model"/> and the
/// treebank (<see cref="EffectiveTreebank"/>) must match (a golden of another protocol, model or treebank is no golden
/// for this one); <see cref="Fingerprint"/> picks the comparison
/// rule (<see cref="TolerancePolicy.Choose"/>; null in snapshots written before fingerprints, or of runs from mixed
/// platforms); the rest is informational. <see cref="Backend"/> (cpu, cuda) picks the golden folder;
/// <see cref="Device"/> names the actual hardware.
/// </summary>
public sealed record Provenance(
    string Profile,
    string ProfileVersion,
    string Model,
    string Backend,
    IReadOnlyList<long> Seeds,
    string TorchSharpVersion,
    string LibTorchVersion,
    string Device,
    string Date,
    string Commit,
    PlatformFingerprint? Fingerprint = null,
    GoldenTreebank? Treebank = null)
{
    /// <summary>The recorded treebank, or for a snapshot that records none (made before it was recorded) UD English
    /// EWT at the pinned commit, the only treebank the harness could read then (<see cref="GoldenTreebank.PinnedEwt"/>).</summary>
    public GoldenTreebank EffectiveTreebank => Treebank ?? GoldenTreebank.PinnedEwt;

    internal JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["profile"] = Profile,
            ["profile_version"] = ProfileVersion,
            ["model"] = Model,
            ["backend"] = Backend,
            ["seeds"] = new JsonArray(Seeds.Select(s => (JsonNode?)s).ToArray()),
            ["torchsharp"] = TorchSharpVersion,
            ["libtorch"] = LibTorchVersion,
            ["device"] = Device,
            ["date"] = Date,
            ["commit"] = Commit,
        };
        // Omitted, not null, when unknown: snapshots written before fingerprints keep their bytes on re-approval.
        if (Fingerprint is not null) json["fingerprint"] = Fingerprint.ToJson();
        // Likewise: a snapshot made before treebanks were recorded stays byte for byte what it was.
        if (Treebank is not null) json["treebank"] = Treebank.ToJson();
        return json;
    }

    internal static Provenance FromJson(JsonNode node) => new(
        Text(node, "profile"),
        Text(node, "profile_version"),
        Text(node, "model"),
        Text(node, "backend"),
        SeedList(node["seeds"]),
        Text(node, "torchsharp"),
        Text(node, "libtorch"),
        Text(node, "device"),
        Text(node, "date"),
        Text(node, "commit"),
        PlatformFingerprint.FromJson(node["fingerprint"]),
        GoldenTreebank.FromJson(node["treebank"]));

    // 64-bit like a run's seed (--seeds takes any); a golden written with 32-bit seeds reads the same.
    private static long[] SeedList(JsonNode? seeds) =>
        JsonShape.Array(seeds ?? throw new FormatException("Provenance has no 'seeds'."), "Provenance 'seeds'")
            .Select(s => JsonShape.Int64(s ?? throw new FormatException("A seed is null."), "A seed")).ToArray();

    private static string Text(JsonNode node, string key) =>
        JsonShape.String(node[key] ?? throw new FormatException($"Provenance has no '{key}'."), $"Provenance '{key}'");
}

/// <summary>
/// What a golden file holds: the metrics that matter (value ± absolute tolerance), facts compared exactly, and
/// provenance. Keys are sorted ordinally when written, so the file is the same bytes on every machine and culture.
/// </summary>
public sealed class Snapshot
{
    public Snapshot(Provenance provenance, IReadOnlyDictionary<string, Metric> metrics, IReadOnlyDictionary<string, Fact>? facts = null)
    {
        ArgumentNullException.ThrowIfNull(provenance);
        ArgumentNullException.ThrowIfNull(metrics);
        Provenance = provenance;
        Metrics = new SortedDictionary<string, Metric>(metrics.ToDictionary(), StringComparer.Ordinal);
        Facts = new SortedDictionary<string, Fact>((facts ?? new Dictionary<string, Fact>()).ToDictionary(), StringComparer.Ordinal);
        foreach (var name in Metrics.Keys.Intersect(Facts.Keys, StringComparer.Ordinal))
            throw new ArgumentException($"'{name}' is both a metric and a fact.", nameof(facts));
    }

    public Provenance Provenance { get; }

    public IReadOnlyDictionary<string, Metric> Metrics { get; }

    public IReadOnlyDictionary<string, Fact> Facts { get; }

    /// <summary>The file text: invariant numbers in round-trip form, sorted keys, LF, trailing newline.</summary>
    public string ToJson()
    {
        var metrics = new JsonObject();
        foreach (var (name, metric) in Metrics)
        {
            metrics[name] = new JsonObject
            {
                ["value"] = Number(metric.Value),
                ["tolerance"] = Number(metric.Tolerance),
            };
        }
        var facts = new JsonObject();
        foreach (var (name, fact) in Facts) facts[name] = fact.ToJson();
        var root = new JsonObject
        {
            ["provenance"] = Provenance.ToJson(),
            ["metrics"] = metrics,
            ["facts"] = facts,
        };
        return Invariant.ToJson(root) + "\n";
    }

    /// <summary>
    /// Reads a snapshot's text. Every way a hand-edited file can be wrong is a <see cref="FormatException"/> naming
    /// the part (<c>Metric 'test.accuracy' 'value' must be a finite number, not a string.</c>); a JSON syntax error
    /// names its line. <see cref="Load"/> adds the file.
    /// </summary>
    public static Snapshot Parse(string json)
    {
        try
        {
            return FromJson(JsonNode.Parse(json));
        }
        catch (JsonException e)
        {
            var (line, reason) = JsonShape.Describe(e);
            throw new FormatException($"line {Invariant.Format(line ?? 0)}: {reason}", e);
        }
    }

    /// <summary>
    /// <see cref="Parse"/> of a file, refusing with one line that names it: <c>PATH:LINE: not valid JSON: …</c> for a
    /// syntax error, <c>PATH: problem</c> for a wrongly shaped snapshot (an <see cref="InvalidDataException"/>).
    /// </summary>
    public static Snapshot Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var text = File.ReadAllText(path);
        try
        {
            return FromJson(JsonNode.Parse(text));
        }
        catch (JsonException e)
        {
            var (line, reason) = JsonShape.Describe(e);
            throw new InvalidDataException($"{path}:{Invariant.Format(line ?? 0)}: {reason}", e);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException)
        {
            // InvalidOperationException/ArgumentException: a shape FromJson does not check yet still names the file.
            throw new InvalidDataException($"{path}: {e.Message.TrimEnd('.')}", e);
        }
    }

    private static Snapshot FromJson(JsonNode? root)
    {
        var snapshot = JsonShape.Object(root ?? throw new FormatException("A golden snapshot cannot be null."), "A golden snapshot");
        var provenance = Provenance.FromJson(JsonShape.Object(
            snapshot["provenance"] ?? throw new FormatException("Snapshot has no 'provenance'."), "Snapshot 'provenance'"));
        var metrics = new Dictionary<string, Metric>(StringComparer.Ordinal);
        var metricsNode = JsonShape.Object(snapshot["metrics"] ?? throw new FormatException("Snapshot has no 'metrics'."), "Snapshot 'metrics'");
        foreach (var (name, node) in metricsNode)
        {
            var metric = JsonShape.Object(node ?? throw new FormatException($"Metric '{name}' has no 'value'."), $"Metric '{name}'");
            var value = JsonShape.Number(metric["value"] ?? throw new FormatException($"Metric '{name}' has no 'value'."), $"Metric '{name}' 'value'");
            var tolerance = JsonShape.Number(metric["tolerance"] ?? throw new FormatException($"Metric '{name}' has no 'tolerance'."), $"Metric '{name}' 'tolerance'");
            if (tolerance < 0) throw new FormatException($"Metric '{name}' 'tolerance' must be non-negative, not {Invariant.Format(tolerance)}.");
            metrics[name] = new Metric(value, tolerance);
        }
        var facts = new Dictionary<string, Fact>(StringComparer.Ordinal);
        foreach (var (name, node) in JsonShape.Object(snapshot["facts"] ?? new JsonObject(), "Snapshot 'facts'")) facts[name] = Fact.FromJson(node, name);
        return new Snapshot(provenance, metrics, facts);
    }

    private static JsonNode Number(double value) => JsonNode.Parse(Invariant.Format(value))!;
}
