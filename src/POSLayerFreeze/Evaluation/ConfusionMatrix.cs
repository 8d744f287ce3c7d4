using System.Text.Json.Nodes;

namespace POSLayerFreeze.Evaluation;

/// <summary>Word counts by gold tag (rows) and predicted tag (columns).</summary>
public sealed class ConfusionMatrix
{
    private readonly int[,] counts;

    public ConfusionMatrix(IReadOnlyList<string> tagNames, int[,] counts)
    {
        ArgumentNullException.ThrowIfNull(tagNames);
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.GetLength(0) != tagNames.Count || counts.GetLength(1) != tagNames.Count)
            throw new ArgumentException(
                $"A confusion matrix over {tagNames.Count} tags must be {tagNames.Count}×{tagNames.Count}, got {counts.GetLength(0)}×{counts.GetLength(1)}.",
                nameof(counts));
        TagNames = tagNames.ToArray();
        this.counts = (int[,])counts.Clone();
    }

    public IReadOnlyList<string> TagNames { get; }

    /// <summary>Words whose gold tag is <paramref name="gold"/> and predicted tag <paramref name="predicted"/>.</summary>
    public int this[int gold, int predicted] => counts[gold, predicted];

    /// <summary>A copy of the counts, gold rows × predicted columns.</summary>
    public int[,] ToArray() => (int[,])counts.Clone();

    /// <summary><c>{labels: [...], rows: [[...], ...]}</c>, rows indexed by gold tag.</summary>
    public JsonObject ToJson()
    {
        var rows = new JsonArray();
        for (var g = 0; g < TagNames.Count; g++)
        {
            var row = new JsonArray();
            for (var p = 0; p < TagNames.Count; p++) row.Add(counts[g, p]);
            rows.Add(row);
        }
        return new JsonObject
        {
            ["labels"] = new JsonArray(TagNames.Select(t => (JsonNode?)t).ToArray()),
            ["rows"] = rows,
        };
    }

    public static ConfusionMatrix FromJson(JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var labels = (node["labels"]?.AsArray() ?? throw new FormatException("Confusion JSON has no 'labels'."))
            .Select(l => l?.GetValue<string>() ?? throw new FormatException("Confusion label is null.")).ToArray();
        var rows = node["rows"]?.AsArray() ?? throw new FormatException("Confusion JSON has no 'rows'.");
        if (rows.Count != labels.Length) throw new FormatException($"Confusion JSON has {rows.Count} rows for {labels.Length} labels.");
        var counts = new int[labels.Length, labels.Length];
        for (var g = 0; g < labels.Length; g++)
        {
            var row = rows[g]?.AsArray() ?? throw new FormatException($"Confusion row {g} is null.");
            if (row.Count != labels.Length) throw new FormatException($"Confusion row {g} has {row.Count} columns for {labels.Length} labels.");
            for (var p = 0; p < labels.Length; p++) counts[g, p] = row[p]?.GetValue<int>() ?? 0;
        }
        return new ConfusionMatrix(labels, counts);
    }
}
