using System.Text.Json.Nodes;

namespace POSLayerFreeze.Experiments;

/// <summary>One finished run as read back from its folder.</summary>
public sealed record RunRecord(string Config, long Seed, string Directory, JsonObject Metrics, int[] SentenceCorrect, int[] SentenceWords)
{
    public double TestAccuracy => Metrics["test"]!["accuracy"]!.GetValue<double>();
    public double DevAccuracy => Metrics["dev"]!["accuracy"]!.GetValue<double>();
    public double MacroF1 => Metrics["test"]!["macro_f1"]!.GetValue<double>();
    public long TrainableParameters => Metrics["trainable_parameters"]!.GetValue<long>();
    public double TokensPerSecond => Metrics["train"]!["tokens_per_second"]!.GetValue<double>();
    public double TrainSeconds => Metrics["train"]!["seconds"]!.GetValue<double>();
    public string ProfileName => Metrics["profile"]!["name"]!.GetValue<string>();
    public string InputsHash => Metrics["inputs_hash"]!.GetValue<string>();
    public JsonObject Inputs => Metrics["inputs"]!.AsObject();
    public string Device => Metrics["device"]!.GetValue<string>();
    public int Steps => Metrics["train"]!["steps"]!.GetValue<int>();

    /// <summary>Process CPU seconds of the training call; null for runs made before it was recorded.</summary>
    public double? CpuSeconds => Metrics["train"]?["cpu_seconds"]?.GetValue<double>();

    /// <summary>The treebank's name; runs written before any treebank could be chosen were all UD English EWT.</summary>
    public string TreebankName => Metrics["treebank"]?["name"]?.GetValue<string>() ?? Data.EwtDataset.Name;
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
