using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using POSLayerFreeze.Data;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tokenization;
using static TorchSharp.torch;

namespace POSLayerFreeze.Analysis;

/// <summary>One hidden state's probe: accuracy over every dev and test word with a gold UPOS, and how the fit ended.</summary>
/// <param name="Layer">Hidden-state index: 0 = embeddings output, i = output of transformer layer i.</param>
/// <param name="Unit">The freeze-plan unit whose output this is (<c>emb</c>, <c>0</c> … <c>L−1</c>), to read beside SLPF/CLPF.</param>
public sealed record LayerProbeResult(int Layer, string Unit, int DevCorrect, int DevWords, int TestCorrect, int TestWords, ProbeFit Fit, double Seconds)
{
    public double DevAccuracy => DevWords == 0 ? 0 : (double)DevCorrect / DevWords;
    public double TestAccuracy => TestWords == 0 ? 0 : (double)TestCorrect / TestWords;
}

/// <summary>What <c>poslf probe</c> measured, as probe.json and probe.md hold it.</summary>
public sealed record ProbeReport(string Model, string ModelDirectory, int NumLayers, int Hidden, string Treebank, JsonArray TreebankFiles, ProbeProfile Profile,
    int MaxLength, int TrainSentences, int TrainWords, string Device, double ExtractSeconds, long PeakWorkingSetBytes, IReadOnlyList<LayerProbeResult> Layers)
{
    public const int SchemaVersion = 1;

    public JsonObject ToJson() => new()
    {
        ["schema_version"] = SchemaVersion,
        ["kind"] = "layer-probes",
        ["model"] = new JsonObject { ["name"] = Model, ["directory"] = ModelDirectory, ["num_layers"] = NumLayers, ["hidden_size"] = Hidden },
        ["treebank"] = new JsonObject { ["name"] = Treebank, ["files"] = TreebankFiles.DeepClone() },
        ["profile"] = Profile.ToJson(),
        ["max_length"] = MaxLength,
        ["train"] = new JsonObject { ["sentences"] = TrainSentences, ["words"] = TrainWords },
        ["device"] = Device,
        ["extract_seconds"] = Math.Round(ExtractSeconds, 3),
        ["peak_working_set_bytes"] = PeakWorkingSetBytes,
        ["layers"] = new JsonArray(Layers.Select(l => (JsonNode)new JsonObject
        {
            ["layer"] = l.Layer,
            ["unit"] = l.Unit,
            ["dev_accuracy"] = l.DevAccuracy,
            ["dev_correct"] = l.DevCorrect,
            ["dev_words"] = l.DevWords,
            ["test_accuracy"] = l.TestAccuracy,
            ["test_correct"] = l.TestCorrect,
            ["test_words"] = l.TestWords,
            ["iterations"] = l.Fit.Iterations,
            ["converged"] = l.Fit.Converged,
            ["objective"] = l.Fit.Objective,
            ["gradient_max"] = l.Fit.GradientMax,
            ["seconds"] = Math.Round(l.Seconds, 3),
        }).ToArray()),
    };

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.Append(Invariant.Culture, $"# Per-layer linear probes: {Model} on {Treebank}\n\n");
        md.Append(Invariant.Culture, $"Probe profile `{Profile.Name}` v{Profile.Version} (C = {Invariant.Format(Profile.C)}, standardised: {(Profile.Standardize ? "yes" : "no")}, L-BFGS); ");
        md.Append(Invariant.Culture, $"trained on {TrainWords:N0} words of the first {TrainSentences:N0} train sentences; windows of ≤ {MaxLength} tokens; scored on every dev and test word.\n\n");
        md.Append("| hidden state | output of unit | dev accuracy | test accuracy | L-BFGS iterations |\n| --- | --- | ---: | ---: | ---: |\n");
        foreach (var l in Layers)
        {
            var name = l.Layer == 0 ? "0 (embeddings)" : Invariant.Format(l.Layer);
            md.Append(Invariant.Culture, $"| {name} | `{l.Unit}` | {l.DevAccuracy * 100:F2} % | {l.TestAccuracy * 100:F2} % | {l.Fit.Iterations}{(l.Fit.Converged ? "" : " (not converged)")} |\n");
        }
        return md.ToString();
    }
}

/// <summary>
/// <c>poslf probe</c>: the encoder frozen (eval, no_grad), every chosen hidden state at each word's first sub-token with
/// the training windows, one <see cref="LinearProbe"/> per hidden state trained on the train words and scored on every
/// dev and test word.
/// </summary>
public static class LayerProbes
{
    /// <param name="layers">Hidden-state indices (0 = embeddings … L); null: all of them.</param>
    /// <param name="log">One line per step (progress), e.g. stderr.</param>
    public static ProbeReport Run(ModelSource source, Treebank treebank, ProbeProfile profile, IReadOnlyList<int>? layers, Device device, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(treebank);
        ArgumentNullException.ThrowIfNull(log);
        profile.Validated();
        var numLayers = source.Config.NumLayers;
        var chosen = (layers ?? Enumerable.Range(0, numLayers + 1).ToArray()).Distinct().Order().ToArray();
        using var model = ModelCatalog.CreateClassifier(source, Upos.Tags.Count, device);
        var tokenizer = WordTokenizers.For(source);
        var maxLength = Math.Min(profile.MaxLength, source.Config.MaxPositions);
        var clock = Stopwatch.StartNew();
        (LayerFeatures Features, int[] Gold, int Sentences) Split(string split, int? atMost)
        {
            var all = treebank.Load(split);
            var sentences = atMost is { } n ? all.Take(n).ToArray() : all;
            var windows = sentences.Select(s => tokenizer.Windows(s.Forms(), s.UposIds(), maxLength)).ToArray();
            var last = Stopwatch.StartNew();
            var features = LayerFeatures.Extract(model, windows, sentences.Select(s => s.Words.Count).ToArray(), chosen, profile.BatchSize, tokenizer.PadId,
                (done, total) =>
                {
                    if (done != 0 && last.ElapsedMilliseconds < 10_000) return;
                    last.Restart();
                    log.WriteLine(string.Create(Invariant.Culture, $"probe: {split} features, batch {done}/{total}"));
                });
            return (features, sentences.SelectMany(s => s.UposIds()).ToArray(), sentences.Count);
        }
        var train = Split("train", profile.TrainSentences);
        var dev = Split("dev", null);
        var test = Split("test", null);
        var extractSeconds = clock.Elapsed.TotalSeconds;
        log.WriteLine(string.Create(Invariant.Culture, $"probe: features of {train.Features.Words} train, {dev.Features.Words} dev, {test.Features.Words} test words × {chosen.Length} hidden states in {extractSeconds:F1} s"));

        var results = new List<LayerProbeResult>();
        foreach (var layer in chosen)
        {
            var layerClock = Stopwatch.StartNew();
            var (trainX, trainY) = Labelled(train.Features.Matrix(layer), train.Gold);
            var probe = LinearProbe.Train(trainX, trainY, Upos.Tags.Count, profile);
            var (devCorrect, devWords) = Score(probe, dev.Features.Matrix(layer), dev.Gold);
            var (testCorrect, testWords) = Score(probe, test.Features.Matrix(layer), test.Gold);
            var unit = layer == 0 ? "emb" : Invariant.Format(layer - 1);
            var result = new LayerProbeResult(layer, unit, devCorrect, devWords, testCorrect, testWords, probe.Fit, layerClock.Elapsed.TotalSeconds);
            results.Add(result);
            log.WriteLine(string.Create(Invariant.Culture,
                $"probe: hidden state {layer} (output of {unit}): dev {result.DevAccuracy * 100:F2} %, test {result.TestAccuracy * 100:F2} % ({probe.Fit.Iterations} iterations{(probe.Fit.Converged ? "" : ", not converged")}, {result.Seconds:F1} s)"));
        }
        var files = new JsonArray(treebank.Files.Select(f => (JsonNode)JsonValue.Create(Path.GetFileName(f))).ToArray());
        return new ProbeReport(source.Name, source.Directory, numLayers, source.Config.HiddenSize, treebank.Name, files, profile, maxLength,
            train.Sentences, train.Gold.Count(g => g >= 0), device.ToString(), extractSeconds, PeakWorkingSet(), results);
    }

    private static long PeakWorkingSet()
    {
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64;
    }

    /// <summary><c>all</c> or a comma list of hidden-state indices in 0 … L.</summary>
    public static int[] ParseHiddenStates(string text, int numLayers)
    {
        if (string.Equals(text.Trim(), "all", StringComparison.OrdinalIgnoreCase)) return [.. Enumerable.Range(0, numLayers + 1)];
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new FormatException("expected all or a comma list of hidden states");
        return [.. parts.Select(p => int.TryParse(p, System.Globalization.NumberStyles.None, Invariant.Culture, out var i) && i <= numLayers
            ? i
            : throw new FormatException($"'{p}' is not a hidden state of this model: expected 0..{numLayers} (0 = embeddings)")).Distinct().Order()];
    }

    /// <summary>Writes probe.json and probe.md into <paramref name="outDir"/>, each atomically.</summary>
    public static void Write(ProbeReport report, string outDir)
    {
        ArgumentNullException.ThrowIfNull(report);
        Directory.CreateDirectory(outDir);
        AtomicFile.WriteAllText(Path.Combine(outDir, "probe.json"), Invariant.ToJson(report.ToJson()) + "\n");
        AtomicFile.WriteAllText(Path.Combine(outDir, "probe.md"), report.ToMarkdown());
    }

    /// <summary>The rows whose word has a gold UPOS (a treebank may leave some as <c>_</c>).</summary>
    internal static (double[,] X, int[] Y) Labelled(double[,] x, int[] gold)
    {
        if (gold.All(g => g >= 0)) return (x, gold);
        var keep = Enumerable.Range(0, gold.Length).Where(i => gold[i] >= 0).ToArray();
        var dim = x.GetLength(1);
        var kept = new double[keep.Length, dim];
        for (var r = 0; r < keep.Length; r++)
            for (var h = 0; h < dim; h++) kept[r, h] = x[keep[r], h];
        return (kept, keep.Select(i => gold[i]).ToArray());
    }

    internal static (int Correct, int Words) Score(LinearProbe probe, double[,] x, int[] gold)
    {
        var (labelled, y) = Labelled(x, gold);
        var predicted = probe.Predict(labelled);
        return (predicted.Zip(y).Count(p => p.First == p.Second), y.Length);
    }
}
