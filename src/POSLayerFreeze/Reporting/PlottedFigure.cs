using System.Text.Json.Nodes;

namespace POSLayerFreeze.Reporting;

/// <summary>One mark of a figure, in the units its axis is labelled in (percent, points, parameters, seconds).</summary>
/// <param name="Low">Lower end of the drawn interval (error bar or confidence interval), if any.</param>
public sealed record PlottedPoint(string Config, double X, double Y, double? Low = null, double? High = null);

/// <summary>One panel of a figure: what it drew and on which scale, so a test can compare with summary.json without reading pixels.</summary>
/// <param name="YScale"><c>linear</c> or <c>symlog</c> (sign(y)·log10(1 + |y| / <see cref="Plotting.SymlogThreshold"/>)).</param>
/// <param name="ParetoFront">Configurations marked as the Pareto front (tradeoff panels only).</param>
public sealed record PlottedPanel(string Name, string XLabel, string YLabel, string XScale, string YScale,
    IReadOnlyList<PlottedPoint> Points, IReadOnlyList<string> ParetoFront)
{
    /// <summary>What the panel says in words instead of (or beside) marks, e.g. that no run has the data.</summary>
    public string? Note { get; init; }
}

/// <summary>A figure as written: file, pixel size and every panel's data.</summary>
public sealed record PlottedFigure(string Path, int Width, int Height, IReadOnlyList<PlottedPanel> Panels)
{
    public PlottedPanel Panel(string name) => Panels.Single(p => p.Name == name);

    public JsonObject ToJson() => new()
    {
        ["file"] = System.IO.Path.GetFileName(Path),
        ["width"] = Width,
        ["height"] = Height,
        ["panels"] = new JsonArray(Panels.Select(p => (JsonNode)new JsonObject
        {
            ["name"] = p.Name,
            ["x_label"] = p.XLabel,
            ["y_label"] = p.YLabel,
            ["x_scale"] = p.XScale,
            ["y_scale"] = p.YScale,
            ["points"] = new JsonArray(p.Points.Select(q => (JsonNode)new JsonObject
            {
                ["config"] = q.Config, ["x"] = q.X, ["y"] = q.Y, ["low"] = q.Low, ["high"] = q.High,
            }).ToArray()),
            ["pareto_front"] = new JsonArray(p.ParetoFront.Select(c => (JsonNode)c).ToArray()),
            ["note"] = p.Note,
        }).ToArray()),
    };
}
