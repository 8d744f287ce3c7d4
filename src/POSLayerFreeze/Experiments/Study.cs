using System.Diagnostics;
using POSLayerFreeze.Cluster;
using POSLayerFreeze.Data;
using POSLayerFreeze.Freezing;
using POSLayerFreeze.Models;
using POSLayerFreeze.Reporting;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Experiments;

/// <summary>
/// The one use case: run a study. Every value is checked before anything slow (a mistake fails at once, naming its
/// field), then: the folder's lock, the model, the configurations, the dataset (fetched into the per-user cache
/// when none is named), the plan, this process's shard, the sweep (here or as child processes), the summary.
/// Front ends differ only in their <see cref="IStudyHost"/>.
/// </summary>
public static class Study
{
    public static async Task<StudyResult> RunAsync(StudyRequest request, IStudyHost host, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(host);
        InvalidFieldException.Wrap("device", () => TorchRuntime.ParseDeviceName(request.Device));
        // bf16 where it is only emulated would run many times slower than fp32: refused before anything is locked.
        if (request.Profile.Precision == Models.Precision.Bf16
            && Bf16Support.Refusal(InvalidFieldException.Wrap("device", () => TorchRuntime.ResolveDevice(request.Device))) is { } noBf16)
            throw new InvalidFieldException("precision", noBf16);
        if (request.Configs is not null && request.Suite is not null)
            throw new InvalidFieldException(["suite", "configs"], "give a suite or a list of configurations, not both");
        if (request.Parallel < 1) throw new InvalidFieldException("parallel", $"expected a number of child processes ≥ 1, got {request.Parallel}");
        if (request.Seeds is { Count: 0 }) throw new InvalidFieldException("seeds", "no seeds given");
        // Checked before the model is resolved (minilm converts on first use): a wrong shard fails at once.
        var shard = request.Shard is { } shardText
            ? InvalidFieldException.Wrap(SlurmArrayTask.Field, () => SlurmArrayTask.ResolveShardOption(shardText, Environment.GetEnvironmentVariable))
            : ((int Index, int Count)?)null;
        if (shard is not null && request.Parallel > 1) throw new InvalidFieldException([SlurmArrayTask.Field, "parallel"], "a shard cannot itself run in parallel");
        request = request with { OutDir = Path.GetFullPath(request.OutDir) };
        // One writer per results folder, taken before anything slow; also proves the folder is a writable folder.
        using var folderLock = ResultsLock.Acquire(request.OutDir, request.Wait ? Timeout.InfiniteTimeSpan : TimeSpan.Zero,
            waiting: host.Waiting, cancel: cancel);
        var design = Design(request);
        // No dataset named and an empty per-user cache: fetch EWT as `poslf data fetch` would, once every value has
        // been checked (a typo is not answered by a download); offline this is the one error.
        using (var http = DatasetFetcher.CreateHttpClient())
            await EwtAutoFetch.EnsureAsync(request.TreebankDir, request.DataDir, http, host.Notes, cancellationToken: cancel).ConfigureAwait(false);
        var sweep = new SweepRequest(design.Configs, design.Seeds, request.Profile, request.Model, request.Device, request.Tf32, request.OutDir,
            request.DataDir, request.CachedPrefix, request.Bucketed, request.TreebankDir, request.SaveModel);
        var specs = Experiments.Sweep.Plan(sweep, design.Source);
        foreach (var bad in ResultsFolder.Inspect(request.OutDir).Rejected) host.Rejected(bad);
        if (shard is var (index, count)) specs = RunSpec.Shard(specs, index, count);
        host.Planned(new StudyPlan(request, design, specs, shard is not null));
        var clock = Stopwatch.StartNew();
        var children = request.Parallel;
        if (children > 1)
        {
            // A child per run at most: more children only load the model and data to find nothing to do.
            var todo = Experiments.Sweep.Unfinished(sweep, specs).Length;
            var capped = Math.Max(1, Math.Min(children, todo));
            if (capped < children) host.ChildrenCapped(children, capped, todo);
            children = capped;
        }
        IReadOnlyList<RunMetrics> trained = [];
        if (children > 1)
            ShardProcesses.Run(i => host.ChildCommand(i, children), children, request.OutDir, (i, line, isError) => host.ChildOutput(i, children, line, isError), cancel);
        else
            trained = host.Sweep(observer => Experiments.Sweep.Run(sweep, specs, design.Source, observer, cancel));
        // An interrupt that came after the last check of the sweep still stops the study: no summary.
        cancel.ThrowIfCancellationRequested();
        host.Finished(clock.Elapsed);
        // Drawing the figures takes seconds: a signal stops between two files, not after all of them. Nothing is
        // lost: files go through AtomicFile and a report rebuilds the summary.
        var summary = request.WriteSummary
            ? Summary.Write(request.OutDir, LayersSection.InputsFor(design.Source, sweep.LocateTreebank(), request.Profile.Name, TorchRuntime.ResolveDevice(request.Device)), host.Notes, cancel)
            : null;
        return new StudyResult(request.OutDir, specs, trained, summary);
    }

    /// <summary>The model, configurations and seeds of <paramref name="request"/>, each checked (no data is read).</summary>
    public static StudyDesign Design(StudyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var source = InvalidFieldException.Wrap("model", () => ModelCatalog.Resolve(request.Model), typeof(DirectoryNotFoundException));
        if (request.MaxLengthAsked && request.Profile.MaxLength is { } asked && asked > source.Config.MaxPositions)
            throw new InvalidFieldException("max_length", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"a window of {asked} tokens is beyond what {source.Name} holds (max_position_embeddings {source.Config.MaxPositions})"));
        var layers = source.Config.NumLayers;
        var names = request.Configs is { } configs
            ? configs.ToArray()
            : InvalidFieldException.Wrap("suite", () => Suites.Expand(request.Suite ?? "study", layers)).Select(p => p.Name).ToArray();
        if (names.Length == 0) throw new InvalidFieldException("configs", "no configurations given");
        if (request.Configs is not null)
            foreach (var name in names) InvalidFieldException.Wrap("configs", () => FreezePlan.Parse(name, layers));
        return new StudyDesign(source, names, request.Seeds ?? request.Profile.DefaultSeeds);
    }
}
