using System.Globalization;
using System.Text;

namespace POSLayerFreeze.Reporting;

/// <summary>
/// The same study on several encoders (e.g. <c>minilm</c> and <c>arctic-xs</c>), read from each results folder's
/// summary.json: every configuration's test accuracy side by side, and for each of the seed README's claims whether
/// it holds on every encoder, on none, or only on some. Studies of different profiles, treebanks or configuration
/// sets are refused: their claims were decided on different evidence.
/// </summary>
public static class EncoderComparison
{
    public const string MarkdownFile = "encoders.md";

    /// <summary>One results folder and its summary.</summary>
    public sealed record Study(string Directory, SweepSummary Summary)
    {
        public string Model => Summary.Model;
    }

    /// <summary>Reads <c>summary.json</c> of each folder; at least two, of one profile, treebank and configuration set.</summary>
    public static IReadOnlyList<Study> Read(IReadOnlyList<string> directories)
    {
        ArgumentNullException.ThrowIfNull(directories);
        if (directories.Count < 2) throw new ArgumentException("compare needs at least two results folders, one per encoder");
        var studies = directories.Select(d =>
        {
            var path = Path.Combine(d, Summary.JsonFile);
            if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no summary (run `poslf report {d}` first)", path);
            return new Study(d, SweepSummaryFile.Read(path));
        }).ToArray();
        var first = studies[0];
        foreach (var other in studies.Skip(1))
        {
            Same(first, other, "profile", s => $"{s.Summary.ProfileName} v{ProfileVersion(s.Summary)}");
            Same(first, other, "treebank", s => s.Summary.Treebank?["name"]?.GetValue<string>() ?? "");
            Same(first, other, "configs", s => string.Join(",", s.Summary.Configs.Select(c => c.Config)));
            Same(first, other, "seeds", s => string.Join(",", s.Summary.Configs.SelectMany(c => c.Seeds).Distinct().Order()));
        }
        return studies;
    }

    private static void Same(Study first, Study other, string field, Func<Study, string> value)
    {
        if (value(first) != value(other))
            throw new InvalidDataException(
                $"{Path.Combine(other.Directory, Summary.JsonFile)}: {field} is '{value(other)}', but {Path.Combine(first.Directory, Summary.JsonFile)} has '{value(first)}' (compare studies run with the same protocol)");
    }

    private static string ProfileVersion(SweepSummary summary) => summary.Profile["version"]?.ToJsonString() ?? "?";

    /// <summary>The comparison as markdown: accuracies per configuration, then the claims across encoders.</summary>
    public static string Markdown(IReadOnlyList<Study> studies)
    {
        ArgumentNullException.ThrowIfNull(studies);
        var models = studies.Select(s => $"`{s.Model}`").ToArray();
        var md = new StringBuilder();
        md.AppendLine("# The study across encoders").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Profile `{studies[0].Summary.ProfileName}` (v{ProfileVersion(studies[0].Summary)}), the same configurations and seeds on each encoder; from each folder's summary.json:").AppendLine();
        foreach (var s in studies) md.AppendLine(CultureInfo.InvariantCulture, $"- `{s.Model}`: {s.Directory} ({s.Summary.Runs} runs)");
        md.AppendLine();

        md.AppendLine("Test accuracy (%) and Δ against each encoder's own baseline:").AppendLine();
        md.AppendLine($"| config | {string.Join(" | ", models)} |");
        md.AppendLine($"|---|{string.Concat(models.Select(_ => "---:|"))}");
        foreach (var config in studies[0].Summary.Configs.Select(c => c.Config))
        {
            var cells = studies.Select(s =>
            {
                var c = s.Summary.Configs.First(x => x.Config == config);
                var baseline = s.Summary.Configs.FirstOrDefault(x => x.Config == "baseline");
                var delta = baseline is null || baseline == c ? "" : $" ({Format.Points(c.TestAccuracy.Mean - baseline.TestAccuracy.Mean)})";
                return Format.Pct(c.TestAccuracy) + delta;
            });
            md.AppendLine($"| {config} | {string.Join(" | ", cells)} |");
        }
        md.AppendLine();

        var holdsOn = studies.Count == 2 ? "holds on both" : "holds on all";
        md.AppendLine("The seed README's claims, each decided on each encoder by the rule its summary.md states:").AppendLine();
        md.AppendLine($"| claim | {string.Join(" | ", models)} | {holdsOn} |");
        md.AppendLine($"|---|{string.Concat(models.Select(_ => "---|"))}---|");
        var ids = studies.SelectMany(s => s.Summary.Claims.Select(c => c.Id).Concat(s.Summary.UncheckedClaims.Select(u => u.Id))).Distinct();
        foreach (var id in ids)
        {
            var outcomes = studies.Select(s => Outcome(s.Summary, id)).ToArray();
            var verdict = outcomes.Any(o => o.Holds is null) ? "not checked on every encoder"
                : outcomes.All(o => o.Holds == true) ? "**yes**"
                : outcomes.All(o => o.Holds == false) ? "no (on none)"
                : "no (" + string.Join(", ", studies.Where((_, i) => outcomes[i].Holds == true).Select(s => $"`{s.Model}`")) + " only)";
            md.AppendLine($"| {id} | {string.Join(" | ", outcomes.Select(o => o.Text))} | {verdict} |");
        }
        return md.ToString();
    }

    private static (bool? Holds, string Text) Outcome(SweepSummary summary, string id)
    {
        if (summary.Claims.FirstOrDefault(c => c.Id == id) is { } claim)
            return (claim.Holds, $"{(claim.Holds ? "reproduced" : "not reproduced")}: {Cell(claim.Effect)}");
        var reason = summary.UncheckedClaims.FirstOrDefault(u => u.Id == id)?.Reason ?? "absent from this summary";
        return (null, $"not checked: {Cell(reason)}");
    }

    // A cell is one line without '|', and an effect its first sentence (the cost claim's goes on to list every
    // ratio, which each summary.md has in full).
    private static string Cell(string text)
    {
        var oneLine = text.Replace('\n', ' ').Replace("|", "\\|", StringComparison.Ordinal);
        var end = oneLine.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? oneLine : oneLine[..end] + " (…)";
    }
}
