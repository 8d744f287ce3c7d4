using System.Text.Json.Nodes;

namespace POSLayerFreeze.Evaluation;

/// <summary>Mean and sample standard deviation (n − 1 in the denominator; a single value has sd 0).</summary>
public readonly record struct MeanSd(double Mean, double Sd, int N)
{
    public static MeanSd Of(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("Mean and sd need at least one value.", nameof(values));
        var mean = values.Sum() / values.Count;
        if (values.Count == 1) return new MeanSd(mean, 0, 1);
        var squares = values.Sum(v => (v - mean) * (v - mean));
        return new MeanSd(mean, Math.Sqrt(squares / (values.Count - 1)), values.Count);
    }

    /// <summary><c>{mean, sd, n}</c>.</summary>
    public JsonObject ToJson() => new()
    {
        ["mean"] = EvaluationJson.Number(Mean),
        ["sd"] = EvaluationJson.Number(Sd),
        ["n"] = N,
    };

    public static MeanSd FromJson(JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return new MeanSd(EvaluationJson.Double(node, "mean"), EvaluationJson.Double(node, "sd"), (int)EvaluationJson.Long(node, "n"));
    }
}
