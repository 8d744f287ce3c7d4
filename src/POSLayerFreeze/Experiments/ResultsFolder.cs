using System.Text.Json.Nodes;

namespace POSLayerFreeze.Experiments;

/// <summary>One finished run as read back from its folder (<see cref="RunReader"/>): its metrics and per-sentence counts.</summary>
public sealed record RunRecord(string Config, long Seed, string Directory, RunMetrics Metrics, int[] SentenceCorrect, int[] SentenceWords)
{
    public double TestAccuracy => Metrics.Test.Accuracy;
    public double DevAccuracy => Metrics.Dev.Accuracy;
    public double MacroF1 => Metrics.Test.MacroF1;
    public long TrainableParameters => Metrics.TrainableParameters;
    public double TokensPerSecond => Metrics.Train.TokensPerSecond;
    public double TrainSeconds => Metrics.Train.Seconds;
    public string ProfileName => Metrics.ProfileName;
    public string InputsHash => Metrics.InputsHash;
    public JsonObject Inputs => Metrics.Inputs;
    public string Device => Metrics.Device;
    public int Steps => Metrics.Train.Steps;

    /// <summary>Process CPU seconds of the training call; null for runs made before it was recorded.</summary>
    public double? CpuSeconds => Metrics.Train.CpuSeconds;

    public string TreebankName => Metrics.TreebankName;
}

/// <summary>A results folder read back: the finished runs, and the run folders that are not (naming the file).</summary>
public sealed record FolderContents(IReadOnlyList<RunRecord> Runs, IReadOnlyList<RejectedRun> Rejected);

/// <summary>
/// The runs of a results folder: what a sweep resumes from, a merge combines and a report summarizes. Works on any
/// folder of finished runs: a single sweep, a merge of shards, or results copied together by hand.
/// </summary>
public static class ResultsFolder
{
    /// <summary>The finished, valid runs under <paramref name="outDir"/> (see <see cref="Inspect"/>).</summary>
    public static IReadOnlyList<RunRecord> Collect(string outDir) => Inspect(outDir).Runs;

    /// <summary>
    /// Every <c>CONFIG/seed-N</c> folder holding a metrics.json, validated by <see cref="RunReader"/>: a bad one is
    /// rejected (and so not finished: a sweep reruns it), never summarized.
    /// </summary>
    public static FolderContents Inspect(string outDir)
    {
        var runs = new List<RunRecord>();
        var rejected = new List<RejectedRun>();
        if (!Directory.Exists(outDir)) return new FolderContents(runs, rejected);
        foreach (var metricsPath in Directory.EnumerateFiles(outDir, RunExecutor.MetricsFile, SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var dir = Path.GetDirectoryName(metricsPath)!;
            if (!Path.GetFileName(dir).StartsWith("seed-", StringComparison.Ordinal)) continue;
            var (run, bad) = RunReader.Read(dir);
            if (run is not null) runs.Add(run);
            if (bad is not null) rejected.Add(bad);
        }
        return new FolderContents(runs, rejected);
    }
}
