using POSLayerFreeze.Reporting;

namespace POSLayerFreeze.Experiments;

/// <summary>What <see cref="ResultsMigration.Migrate"/> did: files rewritten, and run folders left alone because they are not finished runs.</summary>
public sealed record MigrationReport(int RunsRewritten, int RunsCurrent, bool SummaryRewritten, IReadOnlyList<RejectedRun> Rejected);

/// <summary>
/// <c>poslf migrate</c>: writes a results folder's files in the current schema, once, instead of upgrading them on
/// every read (which works as well: nothing needs this step). Only values that read back valid are rewritten, with
/// the same values: the inputs hash, and so resuming, is unchanged; a rejected run is named and left as it is.
/// </summary>
public static class ResultsMigration
{
    public static MigrationReport Migrate(string outDir)
    {
        if (!Directory.Exists(outDir)) throw new DirectoryNotFoundException($"{outDir}: no such results folder");
        using var folderLock = ResultsLock.Acquire(outDir, option: "DIR");
        var contents = ResultsFolder.Inspect(outDir);
        var rewritten = 0;
        foreach (var run in contents.Runs)
        {
            var path = Path.Combine(run.Directory, RunExecutor.MetricsFile);
            var text = RunMetricsFile.ToJson(run.Metrics);
            if (File.ReadAllText(path) == text) continue;
            Runtime.AtomicFile.WriteAllText(path, text);
            rewritten++;
        }
        var summaryPath = Path.Combine(outDir, Summary.JsonFile);
        var summaryRewritten = false;
        if (File.Exists(summaryPath))
        {
            var text = SweepSummaryFile.ToJson(SweepSummaryFile.Read(summaryPath));
            if (File.ReadAllText(summaryPath) != text)
            {
                Runtime.AtomicFile.WriteAllText(summaryPath, text);
                summaryRewritten = true;
            }
        }
        return new MigrationReport(rewritten, contents.Runs.Count - rewritten, summaryRewritten, contents.Rejected);
    }
}
