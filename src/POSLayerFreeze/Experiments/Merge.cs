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
        var present = ResultsFolder.Inspect(outFull).Runs;
        EnsureNoCollision(present, chosen, outFull);
        RunInputs.EnsureOneExperiment([.. ordered, .. present.Where(r => !chosen.ContainsKey((r.Config, r.Seed)))]);
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

    // A run the target already holds under the same key is either the same run (same inputs hash: nothing to do)
    // or another one, which merge must never replace: it may be the only copy of hours of training.
    private static void EnsureNoCollision(IReadOnlyList<RunRecord> present, Dictionary<(string, long), RunRecord> chosen, string outDir)
    {
        foreach (var held in present)
        {
            if (!chosen.TryGetValue((held.Config, held.Seed), out var incoming) || incoming.InputsHash == held.InputsHash) continue;
            var key = $"{held.Config}/seed-{held.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
            throw new InvalidDataException(
                $"{outDir}: already holds {key} made with other inputs than {incoming.Directory} ({DifferingField(held.Inputs, incoming.Inputs)}); merge never replaces a run: use another --out, or delete that run first");
        }
    }

    private static string DifferingField(System.Text.Json.Nodes.JsonObject held, System.Text.Json.Nodes.JsonObject incoming)
    {
        var (field, a, b) = RunInputs.FirstDifference(held, incoming) ?? OtherDifference(held, incoming);
        if (field.Length == 0) return "inputs_hash differs";
        var (there, shard) = RunInputs.Around(a, b);
        return $"{field}: {there} there, {shard} in the shard";
    }

    // Fields outside the shared ones (the config's variant …) that still make the inputs hash differ.
    private static (string Field, string A, string B) OtherDifference(System.Text.Json.Nodes.JsonObject held, System.Text.Json.Nodes.JsonObject incoming)
    {
        var key = held.Select(kv => kv.Key).Union(incoming.Select(kv => kv.Key)).Order(StringComparer.Ordinal)
            .FirstOrDefault(k => held[k]?.ToJsonString() != incoming[k]?.ToJsonString());
        return key is null ? ("", "", "") : ($"inputs.{key}", held[key]?.ToJsonString() ?? "(none)", incoming[key]?.ToJsonString() ?? "(none)");
    }
}
