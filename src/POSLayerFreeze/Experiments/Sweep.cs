using System.Security.Cryptography;
using POSLayerFreeze.Data;
using POSLayerFreeze.Freezing;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Experiments;

/// <summary>What to run: configurations × seeds under one profile, model and device.</summary>
public sealed record SweepRequest(IReadOnlyList<string> Configs, IReadOnlyList<long> Seeds, TrainingProfile Profile, string Model,
    string Device, bool Tf32, string OutDir, string? DataDir, bool CachedPrefix = false, bool? Bucketed = null, string? TreebankDir = null, bool SaveModel = false)
{
    /// <summary>The treebank of this request (see <see cref="DatasetLocator.LocateTreebank"/>).</summary>
    public Treebank LocateTreebank() => DatasetLocator.LocateTreebank(TreebankDir, DataDir);
}

/// <summary>Reports sweep progress to whatever front end drives it.</summary>
public interface ISweepObserver
{
    void Planned(IReadOnlyList<RunSpec> todo, IReadOnlyList<RunSpec> alreadyFinished);
    void RunStarted(RunSpec spec);
    void Progress(RunSpec spec, int stepsDone, int totalSteps, double loss);
    void RunFinished(RunSpec spec, RunMetrics metrics);
}

/// <summary>
/// Runs a sweep resumably: a run whose folder already holds metrics.json with the same inputs hash is skipped;
/// every file is written atomically, so an interruption loses at most the run in progress.
/// </summary>
public static class Sweep
{
    /// <summary>Resolves the model and expands configs × seeds into run specs (canonical config names).</summary>
    public static (ModelSource Model, IReadOnlyList<RunSpec> Specs) Plan(SweepRequest request)
    {
        var model = ModelCatalog.Resolve(request.Model);
        return (model, Plan(request, model));
    }

    /// <summary>Run specs for an already resolved model (the weights are hashed once per call).</summary>
    public static IReadOnlyList<RunSpec> Plan(SweepRequest request, ModelSource model)
    {
        var identity = ModelIdentity(model);
        var dataset = request.LocateTreebank().Identity;
        var device = NormalizeDevice(request.Device);
        var bucketed = request.Bucketed ?? DevicePolicy.LengthBuckets(device);
        int? overhead = bucketed ? MicroBatches.DefaultOverheadTokens : null;
        var configs = request.Configs.Select(c => FreezePlan.Parse(c, model.Config.NumLayers).Name).Distinct().ToArray();
        var specs = configs.SelectMany(c => request.Seeds.Distinct().Select(s =>
            new RunSpec(c, s, request.Profile, model.Name, identity, device, request.Tf32, request.CachedPrefix, overhead) { Dataset = dataset, SaveModel = request.SaveModel })).ToArray();
        return specs;
    }

    public static IReadOnlyList<RunMetrics> Run(SweepRequest request, IReadOnlyList<RunSpec> specs, ModelSource model,
        ISweepObserver observer, CancellationToken cancel)
    {
        using var folderLock = ResultsLock.Acquire(request.OutDir, cancel: cancel);
        // What a process killed mid-write left behind; a resumed sweep must end with the files an uninterrupted one writes.
        AtomicFile.RemoveStaleTemps(request.OutDir);
        // A folder holds one experiment: runs on other data, another model or protocol are refused, not mixed in.
        if (specs.Count > 0) RunInputs.EnsureCompatible(ResultsFolder.Inspect(request.OutDir).Runs, specs[0], request.OutDir);
        var todo = Unfinished(request, specs);
        var finished = specs.Except(todo).ToArray();
        observer.Planned(todo, finished);
        var results = new List<RunMetrics>();
        if (todo.Length == 0) return results;
        var treebank = request.LocateTreebank();
        var data = ExperimentData.Load(model, request.Profile, treebank);
        foreach (var spec in todo)
        {
            cancel.ThrowIfCancellationRequested();
            observer.RunStarted(spec);
            var metrics = RunExecutor.Execute(spec, data, Path.Combine(request.OutDir, spec.RelativeDirectory),
                (step, total, loss) => observer.Progress(spec, step, total, loss), cancel);
            observer.RunFinished(spec, metrics);
            results.Add(metrics);
        }
        return results;
    }

    /// <summary>The runs of <paramref name="specs"/> that <paramref name="request"/>'s results folder does not hold finished (what a resumed sweep still does).</summary>
    public static RunSpec[] Unfinished(SweepRequest request, IReadOnlyList<RunSpec> specs) =>
        specs.Where(s => !RunExecutor.IsFinished(Path.Combine(request.OutDir, s.RelativeDirectory), s)).ToArray();

    /// <summary>Which model a run used: its name and the content hashes of its weights, vocabulary and config
    /// (hashed once per process per file); tokenizer settings other than Hugging Face's defaults
    /// (tokenizer_config.json) are appended, since they change the ids.</summary>
    public static string ModelIdentity(ModelSource model)
    {
        var identity = $"{model.Name}@sha256:{FileFingerprint.Sha256(model.WeightsPath)[..16]}+{TokenizerIdentity(model)}+config:{FileFingerprint.Sha256(model.ConfigPath)[..16]}";
        // A Hub model adds its repository, commit and every file's full sha256 (folders and minilm keep their identity).
        if (model.Hub is { } hub) identity += "+" + hub.Identity;
        if (model.Tokenizer is null || model.Tokenizer.IsDefault) return identity;
        var settings = System.Text.Encoding.UTF8.GetBytes(Invariant.ToJson(model.Tokenizer.ToJson()));
        return $"{identity}+tokenizer:{Convert.ToHexStringLower(SHA256.HashData(settings))[..16]}";
    }

    /// <summary>
    /// WordPiece: <c>vocab:HASH</c> of vocab.txt, as every existing identity has it. Other kinds: the kind and each
    /// file that decides the ids (vocab.json + merges.txt, tokenizer.json, tokenizer_config.json), <c>FILE:HASH</c>.
    /// </summary>
    private static string TokenizerIdentity(ModelSource model) => model.Kind == TokenizerKind.WordPiece
        ? $"vocab:{FileFingerprint.Sha256(model.VocabPath)[..16]}"
        : $"tokenizer:{model.Kind}:" + string.Join(",", model.TokenizerFiles.Select(f => $"{Path.GetFileName(f)}={FileFingerprint.Sha256(f)[..16]}"));

    private static string NormalizeDevice(string device) => string.IsNullOrWhiteSpace(device) ? "cpu" : device.Trim().ToLowerInvariant();
}
