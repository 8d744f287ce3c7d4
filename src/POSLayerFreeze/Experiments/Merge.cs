using POSLayerFreeze.Reporting;

namespace POSLayerFreeze.Experiments;

/// <summary>
/// Combines the results folders of shards (or any runs made apart) into one folder with the same files a single
/// run writes. A run present in several inputs must be the same run (same inputs hash); profiles must agree.
/// </summary>
public static class Merge
{
    public static IReadOnlyList<RunRecord> Into(IReadOnlyList<string> sources, string outDir) => Into(sources, outDir, _ => { });

    /// <summary>As <see cref="Into(IReadOnlyList{string}, string)"/>; each run folder that is not a finished run is passed to <paramref name="rejected"/> and left out.</summary>
    public static IReadOnlyList<RunRecord> Into(IReadOnlyList<string> sources, string outDir, Action<RejectedRun> rejected)
    {
        if (sources.Count == 0) throw new ArgumentException("poslf merge needs at least one results folder");
        var chosen = new Dictionary<(string, long), RunRecord>();
        foreach (var source in sources)
        {
            if (!Directory.Exists(source)) throw new DirectoryNotFoundException($"{source}: no such results folder");
            var contents = ResultsFolder.Inspect(source);
            foreach (var bad in contents.Rejected) rejected(bad);
            var runs = contents.Runs;
            if (runs.Count == 0) throw new InvalidDataException($"{source}: no finished runs");
            foreach (var run in runs)
            {
                if (chosen.TryGetValue((run.Config, run.Seed), out var earlier))
                {
                    if (earlier.InputsHash != run.InputsHash)
                    {
                        var field = RunInputs.FirstDifference(earlier.Inputs, run.Inputs)?.Field ?? $"inputs_hash {earlier.InputsHash[..12]} vs {run.InputsHash[..12]}";
                        throw new InvalidDataException(
                            $"{run.Config} seed {run.Seed} is in {earlier.Directory} and {run.Directory} with different inputs ({field}): these shards were not made with the same arguments");
                    }
                    continue;
                }
                chosen[(run.Config, run.Seed)] = run;
            }
        }
        var profiles = chosen.Values.Select(r => r.ProfileName).Distinct().ToArray();
        if (profiles.Length > 1) throw new InvalidDataException($"cannot merge runs of different profiles: {string.Join(", ", profiles)}");
        var outFull = Path.GetFullPath(outDir);
        using var folderLock = ResultsLock.Acquire(outFull);
        // Checked before anything is copied: the sources and what the target already holds must be one experiment.
        var ordered = chosen.Values.OrderBy(r => r.Config, StringComparer.Ordinal).ThenBy(r => r.Seed).ToList();
        RunInputs.EnsureOneExperiment([.. ordered, .. ResultsFolder.Inspect(outFull).Runs.Where(r => !chosen.ContainsKey((r.Config, r.Seed)))]);
        foreach (var run in chosen.Values.OrderBy(r => r.Config, StringComparer.Ordinal).ThenBy(r => r.Seed))
        {
            var target = Path.Combine(outFull, run.Config, "seed-" + run.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (Path.GetFullPath(run.Directory) == target) continue;
            Directory.CreateDirectory(target);
            // metrics.json last: it is what marks a run finished. Sub-folders (model/, tensorboard/) come along.
            foreach (var file in Directory.EnumerateFiles(run.Directory, "*", SearchOption.AllDirectories)
                         .Where(f => !Path.GetFileName(f).EndsWith(".tmp", StringComparison.Ordinal))
                         .OrderBy(f => Path.GetFileName(f) == RunExecutor.MetricsFile ? 1 : 0).ThenBy(f => f, StringComparer.Ordinal))
                Runtime.AtomicFile.Write(Path.Combine(target, Path.GetRelativePath(run.Directory, file)), stream =>
                {
                    using var input = File.OpenRead(file);
                    input.CopyTo(stream);
                });
        }
        Summary.Write(outFull);
        return ResultsFolder.Collect(outFull);
    }
}
