using POSLayerFreeze.Data;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;
using static TorchSharp.torch;

namespace POSLayerFreeze.Analysis;

/// <summary>What a study's layers section compares against: the pretrained encoder the runs started from, the
/// treebank they read, the probe protocol and where the encoders run.</summary>
public sealed record LayerStudyInputs(ModelSource Pretrained, string PretrainedIdentity, Treebank Treebank, ProbeProfile Profile, Device Device);

/// <summary>
/// The layers section of a study (issue 27): for the pretrained encoder and every run saved with <c>--save-model</c>,
/// a <see cref="LinearProbe"/> per hidden state (train prefix → dev words) and, for the runs, linear CKA of each
/// hidden state against the pretrained one on a fixed, seeded sample of dev words. Each encoder's numbers are cached
/// beside it (<see cref="RunFile"/>, <see cref="PretrainedFile"/>), so only new runs cost anything on a rerun.
/// </summary>
public static class LayerStudy
{
    public const string RunFile = "layers.json";
    public const string PretrainedFile = "layers-pretrained.json";

    /// <param name="runs">Every finished run; those without a saved model are left out.</param>
    /// <param name="configOrder">Row order (the summary's configuration order).</param>
    public static LayerSummary Analyze(string outDir, IReadOnlyList<RunRecord> runs, IReadOnlyList<string> configOrder, LayerStudyInputs inputs,
        TextWriter log, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(log);
        var profile = inputs.Profile.Validated();
        var profileJson = profile.ToJson();
        var identity = inputs.Treebank.Identity;
        var basis = $"{inputs.PretrainedIdentity}|train:{identity.Train.Sha256}|dev:{identity.Dev.Sha256}";
        var saved = runs.Where(r => r.Metrics.SavedModel is not null).ToArray();
        if (saved.Length == 0) throw new ArgumentException("no run has a saved model", nameof(runs));

        // The pretrained encoder is measured when it has no valid cache or a run needs its CKA sample.
        string RunBasis(RunRecord r) => $"{basis}|weights:{r.Metrics.SavedModel!.Sha256.GetValueOrDefault("model.safetensors", "")}";
        var cached = saved.ToDictionary(r => r, r => EncoderLayers.TryRead(Path.Combine(r.Directory, RunFile)) is { } c && c.Matches(profileJson, RunBasis(r)) ? c : null);
        var pretrainedPath = Path.Combine(outDir, PretrainedFile);
        var pretrained = EncoderLayers.TryRead(pretrainedPath) is { } p && p.Matches(profileJson, basis) ? p : null;
        Measured? reference = null;
        var data = new Lazy<SplitData>(() => SplitData.Load(inputs.Treebank, profile));
        if (pretrained is null || cached.Values.Any(c => c is null))
        {
            log.WriteLine($"layers: measuring the pretrained encoder {inputs.Pretrained.Name}");
            reference = Measure(inputs.Pretrained, data.Value, profile, inputs.Device, cancel);
            pretrained = reference.ToRecord(profileJson, basis, null);
            AtomicFile.WriteAllText(pretrainedPath, pretrained.ToJson());
        }
        foreach (var run in saved.Where(r => cached[r] is null))
        {
            cancel.ThrowIfCancellationRequested();
            log.WriteLine($"layers: measuring {run.Config} seed {run.Seed.ToString(Invariant.Culture)}");
            var tuned = Measure(ModelCatalog.Resolve(Path.Combine(run.Directory, run.Metrics.SavedModel!.Directory)), data.Value, profile, inputs.Device, cancel);
            cached[run] = tuned.ToRecord(profileJson, RunBasis(run), reference!);
            AtomicFile.WriteAllText(Path.Combine(run.Directory, RunFile), cached[run]!.ToJson());
        }

        var numLayers = inputs.Pretrained.Config.NumLayers;
        var rows = configOrder.Select(config => saved.Where(r => r.Config == config).OrderBy(r => r.Seed).ToArray()).Where(g => g.Length > 0).Select(group =>
        {
            var measured = group.Select(r => cached[r]!).ToArray();
            double Mean(Func<EncoderLayers, double> value) => measured.Average(value);
            var layers = Enumerable.Range(0, numLayers + 1).ToArray();
            return new LayerConfigRow(group[0].Config, group[0].Metrics.Frozen, group.Select(r => r.Seed).ToArray(),
                layers.Select(l => Mean(m => (double)m.DevCorrect[l] / m.DevWords)).ToArray(),
                layers.Select(l => Mean(m => m.Cka[l])).ToArray(),
                layers.Select(l => measured.All(m => m.CkaDebiased[l] is not null) ? (double?)measured.Average(m => m.CkaDebiased[l]!.Value) : null).ToArray());
        }).ToArray();
        return new LayerSummary
        {
            ProbeProfile = profileJson,
            NumLayers = numLayers,
            Units = Enumerable.Range(0, numLayers + 1).Select(UnitOf).ToArray(),
            TrainWords = pretrained.TrainWords,
            DevWords = pretrained.DevWords,
            CkaWords = pretrained.CkaWords,
            PretrainedDevAccuracy = pretrained.DevCorrect.Select(c => (double)c / pretrained.DevWords).ToArray(),
            Configs = rows,
        };
    }

    /// <summary>The freeze-plan unit whose output hidden state <paramref name="layer"/> is.</summary>
    public static string UnitOf(int layer) => layer == 0 ? "emb" : Invariant.Format(layer - 1);

    /// <summary>The dev word positions (in split order) CKA compares: a seeded Fisher–Yates prefix, ascending.</summary>
    public static int[] CkaSample(int devWords, int size, long seed)
    {
        var order = Enumerable.Range(0, devWords).ToArray();
        new SplitMix64(unchecked((ulong)seed)).Shuffle(order.AsSpan());
        return [.. order.Take(Math.Min(size, devWords)).Order()];
    }

    /// <summary>The train prefix and the scored dev sentences, read once for every encoder.</summary>
    private sealed record SplitData(IReadOnlyList<ConlluSentence> Train, IReadOnlyList<ConlluSentence> Dev, int[] TrainGold, int[] DevGold, int[] Sample)
    {
        public static SplitData Load(Treebank treebank, ProbeProfile profile)
        {
            var train = treebank.Load("train");
            var dev = treebank.Load("dev");
            var trainUsed = profile.TrainSentences is { } t ? train.Take(t).ToArray() : train;
            var devUsed = profile.DevSentences is { } d ? dev.Take(d).ToArray() : dev;
            var devGold = devUsed.SelectMany(s => s.UposIds()).ToArray();
            return new SplitData(trainUsed, devUsed, trainUsed.SelectMany(s => s.UposIds()).ToArray(), devGold,
                CkaSample(devGold.Length, profile.CkaWords, profile.CkaSeed));
        }
    }

    /// <summary>One encoder's probe results and its hidden states at the CKA sample ([sample, H] per hidden state).</summary>
    private sealed record Measured(int[] DevCorrect, int DevWords, int TrainWords, double[][,] Sample)
    {
        public EncoderLayers ToRecord(System.Text.Json.Nodes.JsonObject profile, string basis, Measured? reference) => new()
        {
            ProbeProfile = profile,
            Basis = basis,
            TrainWords = TrainWords,
            DevWords = DevWords,
            CkaWords = Sample[0].GetLength(0),
            DevCorrect = DevCorrect,
            Cka = reference is null ? [] : Sample.Select((s, l) => Cka.Linear(reference.Sample[l], s)).ToArray(),
            CkaDebiased = reference is null ? [] : Sample.Select((s, l) => Cka.LinearDebiased(reference.Sample[l], s) is var v && double.IsFinite(v) ? v : (double?)null).ToArray(),
        };
    }

    private static Measured Measure(ModelSource source, SplitData data, ProbeProfile profile, Device device, CancellationToken cancel)
    {
        var layers = Enumerable.Range(0, source.Config.NumLayers + 1).ToArray();
        using var model = ModelCatalog.CreateClassifier(source, Upos.Tags.Count, device);
        var tokenizer = Tokenization.WordTokenizers.For(source);
        var maxLength = Math.Min(profile.MaxLength, source.Config.MaxPositions);
        LayerFeatures Features(IReadOnlyList<ConlluSentence> sentences) => LayerFeatures.Extract(model,
            sentences.Select(s => tokenizer.Windows(s.Forms(), s.UposIds(), maxLength)).ToArray(), sentences.Select(s => s.Words.Count).ToArray(),
            layers, profile.BatchSize, tokenizer.PadId);
        var train = Features(data.Train);
        var dev = Features(data.Dev);
        var devCorrect = new int[layers.Length];
        var sample = new double[layers.Length][,];
        var devWords = 0;
        foreach (var layer in layers)
        {
            cancel.ThrowIfCancellationRequested();
            var (trainX, trainY) = LayerProbes.Labelled(train.Matrix(layer), data.TrainGold);
            var probe = LinearProbe.Train(trainX, trainY, Upos.Tags.Count, profile);
            var devX = dev.Matrix(layer);
            (devCorrect[layer], devWords) = LayerProbes.Score(probe, devX, data.DevGold);
            sample[layer] = new double[data.Sample.Length, dev.Hidden];
            for (var i = 0; i < data.Sample.Length; i++)
                for (var h = 0; h < dev.Hidden; h++) sample[layer][i, h] = devX[data.Sample[i], h];
        }
        return new Measured(devCorrect, devWords, data.TrainGold.Count(g => g >= 0), sample);
    }
}
