using System.Text;

namespace POSLayerFreeze.Golden;

public enum GoldenOutcome
{
    /// <summary>Every metric within its verified tolerance and every fact equal.</summary>
    Pass,

    /// <summary>A verified snapshot exists and the received one differs from it; the received file was written.</summary>
    Fail,

    /// <summary>No verified snapshot exists yet; the received file was written for approval.</summary>
    Missing,
}

/// <summary>
/// One line of the comparison table. Values are invariant text; "—" marks a side that lacks the entry.
/// <see cref="Rule"/> is how the row was compared (<c>exact</c> or <c>statistical</c>, <see cref="TolerancePolicy"/>).
/// </summary>
public sealed record GoldenRow(string Name, string Verified, string Received, string Difference, string Tolerance, string Rule, string Status)
{
    public bool Ok => Status == "ok";
}

/// <summary>
/// The outcome of <see cref="GoldenStore.Check"/>, with the table a failing test prints. <see cref="Rule"/> is the
/// comparison rule used (null when there was nothing to compare with).
/// </summary>
public sealed record GoldenResult(
    string Experiment,
    GoldenOutcome Outcome,
    string VerifiedPath,
    string ReceivedPath,
    IReadOnlyList<string> Problems,
    IReadOnlyList<GoldenRow> Rows,
    string ApproveCommand,
    RuleChoice? Rule = null)
{
    public bool Passed => Outcome == GoldenOutcome.Pass;

    /// <summary>metric | verified | received | |diff| | tolerance | rule | status, columns padded to line up.</summary>
    public string Table => GoldenTable.Format(
        ["metric", "verified", "received", "|diff|", "tolerance", "rule", "status"],
        Rows.Select(r => new[] { r.Name, r.Verified, r.Received, r.Difference, r.Tolerance, r.Rule, r.Status }).ToList());

    /// <summary>What a failing spec reports: what happened, why, the table, and how to approve.</summary>
    public string Message
    {
        get
        {
            var text = new StringBuilder();
            text.Append(Outcome switch
            {
                GoldenOutcome.Pass => $"golden '{Experiment}' matches {VerifiedPath}",
                GoldenOutcome.Missing => $"golden '{Experiment}' has no verified snapshot ({VerifiedPath}); received written to {ReceivedPath}",
                _ => $"golden '{Experiment}' differs from {VerifiedPath}; received written to {ReceivedPath}",
            }).Append('\n');
            foreach (var problem in Problems) text.Append("  ").Append(problem).Append('\n');
            if (Rule is not null) text.Append("  rule: ").Append(Rule.Name).Append(" — ").Append(Rule.Reason).Append('\n');
            text.Append(Table);
            if (!Passed) text.Append("to accept the received values: ").Append(ApproveCommand).Append('\n');
            return text.ToString();
        }
    }

    public override string ToString() => Message;
}

internal static class GoldenTable
{
    public static string Format(IReadOnlyList<string> header, IReadOnlyList<string[]> rows)
    {
        var widths = header.Select((h, c) => rows.Select(r => r[c].Length).Append(h.Length).Max()).ToArray();
        var text = new StringBuilder();
        void Line(IReadOnlyList<string> cells) =>
            text.Append(string.Join(" | ", cells.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd()).Append('\n');
        Line(header);
        text.Append(string.Join("-|-", widths.Select(w => new string('-', w)))).Append('\n');
        foreach (var row in rows) Line(row);
        return text.ToString();
    }
}
