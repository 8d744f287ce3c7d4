using System.Text.Json;
using System.Text.Json.Nodes;
using POSLayerFreeze.Data;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Golden;

/// <summary>One split of a golden's treebank: the sha256 of its uncompressed content and its UPOS-bearing words.</summary>
public sealed record GoldenSplit(string Sha256, long Words);

/// <summary>
/// The treebank a golden snapshot was made on: its name (the files' prefix, <c>en_ewt</c>), and per split the content
/// sha256 and the word count as the CoNLL 2018 scorer counts them. A golden holds only for its own treebank, as it
/// holds only for its own profile and model (<see cref="GoldenStore.Check"/>).
/// </summary>
public sealed record GoldenTreebank(string Name, GoldenSplit Train, GoldenSplit Dev, GoldenSplit Test)
{
    /// <summary>
    /// What a snapshot that records no treebank was made on. Such snapshots predate the record (golden/full/cuda, full
    /// v1; golden/smoke/cpu until re-approved), and until then the harness read only UD English EWT, in the shared
    /// release files whose sha256s <see cref="EwtDataset"/> pins: so they are taken as that treebank, which keeps
    /// them the goldens of EWT runs and no golden at all for any other treebank or other EWT files.
    /// </summary>
    public static GoldenTreebank PinnedEwt { get; } = new(EwtDataset.Name, Pinned("train"), Pinned("dev"), Pinned("test"));

    public IEnumerable<(string Split, GoldenSplit Value)> Splits => [("train", Train), ("dev", Dev), ("test", Test)];

    /// <summary>From a run's metrics.json <c>treebank</c> object (name, and per split sha256 and words among other counts).</summary>
    public static GoldenTreebank FromRunJson(JsonNode treebank, string where)
    {
        ArgumentNullException.ThrowIfNull(treebank);
        GoldenSplit Split(string split) => new(
            Text(treebank[split]?["sha256"], $"{where}: treebank.{split}.sha256"),
            Integer(treebank[split]?["words"], $"{where}: treebank.{split}.words"));
        return new(Text(treebank["name"], $"{where}: treebank.name"), Split("train"), Split("dev"), Split("test"));
    }

    /// <summary>
    /// The first field in which <paramref name="received"/> differs from <paramref name="verified"/>, named and with
    /// both values (<c>treebank.test.sha256: verified …, received …</c>); null when they are the same treebank.
    /// </summary>
    public static string? Difference(GoldenTreebank verified, GoldenTreebank received)
    {
        ArgumentNullException.ThrowIfNull(verified);
        ArgumentNullException.ThrowIfNull(received);
        if (verified.Name != received.Name) return $"treebank.name: verified '{verified.Name}', received '{received.Name}'";
        foreach (var ((split, v), (_, r)) in verified.Splits.Zip(received.Splits))
        {
            if (v.Sha256 != r.Sha256) return $"treebank.{split}.sha256: verified {v.Sha256}, received {r.Sha256}";
            if (v.Words != r.Words) return $"treebank.{split}.words: verified {Invariant.Format(v.Words)}, received {Invariant.Format(r.Words)}";
        }
        return null;
    }

    /// <summary>One line for approval output: <c>en_ewt (train 3fb78e2b55482c8e, 204577 words; dev …; test …)</c>.</summary>
    public string Describe() =>
        $"{Name} ({string.Join("; ", Splits.Select(s => $"{s.Split} {s.Value.Sha256[..Math.Min(16, s.Value.Sha256.Length)]}, {Invariant.Format(s.Value.Words)} words"))})";

    internal JsonObject ToJson()
    {
        var json = new JsonObject { ["name"] = Name };
        foreach (var (split, value) in Splits) json[split] = new JsonObject { ["sha256"] = value.Sha256, ["words"] = value.Words };
        return json;
    }

    /// <summary>The provenance's <c>treebank</c> object; null when the snapshot records none.</summary>
    internal static GoldenTreebank? FromJson(JsonNode? node) => node is null ? null : FromRunJson(node, "provenance");

    private static GoldenSplit Pinned(string split)
    {
        var s = EwtDataset.Split(split);
        return new(s.Sha256, s.Words);
    }

    private static string Text(JsonNode? node, string what) =>
        node?.GetValueKind() == JsonValueKind.String && node.GetValue<string>() is { Length: > 0 } text
            ? text
            : throw new FormatException($"{what} must be a non-empty string");

    private static long Integer(JsonNode? node, string what) =>
        node?.GetValueKind() == JsonValueKind.Number && long.TryParse(node.ToJsonString(), System.Globalization.NumberStyles.None, Invariant.Culture, out var n)
            ? n
            : throw new FormatException($"{what} must be a non-negative integer");
}
