using System.Text.Json.Nodes;
using POSLayerFreeze.Reporting;
using POSLayerFreeze.Tests.Cli;
using POSLayerFreeze.Tests.Experiments;

namespace POSLayerFreeze.Tests.Hostile;

/// <summary>Issue 29 point 10: <c>report</c> drew figures from impossible summary values (accuracy −5, infinity).</summary>
public class Point10ReportTests
{
    [TestCase("test_accuracy", "mean", "-5")]
    [TestCase("dev_accuracy", "mean", "1.5")]
    [TestCase("test_accuracy", "sd", "1e999")]
    [TestCase("train_tokens_per_second", "mean", "-1")]
    public void Report_refuses_to_draw_from_an_impossible_summary_value_naming_it(string statistic, string part, string value)
    {
        var runs = TinyWorld.TempDir("hostile-report-runs");
        var (correct, words) = SyntheticRuns.Uniform(8);
        SyntheticRuns.Write(runs, "baseline", 42, correct, words);
        Assert.That(Poslf.Run("report", runs).ExitCode, Is.Zero);
        // A folder holding only a summary.json (a committed result): report redraws its figures from it.
        var dir = TinyWorld.TempDir("hostile-report");
        var text = File.ReadAllText(Path.Combine(runs, Summary.JsonFile));
        var summary = JsonNode.Parse(text)!;
        summary["configs"]![0]![statistic]![part] = JsonNode.Parse("0.123456789");
        File.WriteAllText(Path.Combine(dir, Summary.JsonFile), summary.ToJsonString().Replace("0.123456789", value, StringComparison.Ordinal));

        var result = Poslf.Run("report", dir);
        Poslf.AssertError(result, 1, Summary.JsonFile, $"configs[0].{statistic}.{part}");
        Assert.That(Directory.GetFiles(dir, "*.png"), Is.Empty, "no figure drawn");
    }
}
