using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using POSLayerFreeze.Analysis;
using POSLayerFreeze.Data;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Models;
using static TorchSharp.torch;

namespace POSLayerFreeze.Reporting;

/// <summary>
/// summary.md's layers section and its inputs: present only where runs saved their models (<c>--save-model</c>).
/// A folder without saved models gets no section and not a byte more in summary.md or summary.json; the reason is
/// one log line. A folder with saved models whose pretrained encoder or treebank cannot be found says so in the section.
/// </summary>
public static class LayersSection
{
    public const string FigureFile = "layers.png";

    /// <summary>The layers of <paramref name="runs"/>, or null and why not.</summary>
    /// <param name="inputs">Null: the pretrained model is resolved from the runs' model name and the treebank as
    /// <c>poslf run</c> finds it without options (<c>$POSLF_TREEBANK</c>, <c>$POSLF_DATA_DIR</c>, the cache), each
    /// checked against the identity the runs recorded.</param>
    public static (LayerSummary? Layers, string? Absent) Of(string outDir, IReadOnlyList<RunRecord> runs, IReadOnlyList<string> configOrder,
        LayerStudyInputs? inputs, TextWriter log, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(log);
        if (!runs.Any(r => r.Metrics.SavedModel is not null))
            return (null, "no run saved its model (poslf run --save-model), so there are no per-layer probes or CKA");
        try
        {
            inputs ??= Locate(runs[0]);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException or System.Net.Http.HttpRequestException)
        {
            return (null, e.Message);
        }
        return (LayerStudy.Analyze(outDir, runs, configOrder, inputs, log, cancel), null);
    }

    /// <summary>The inputs of a sweep that knows its model and treebank (<c>poslf run</c>).</summary>
    public static LayerStudyInputs InputsFor(ModelSource model, Treebank treebank, string trainingProfile, Device device) =>
        new(model, Sweep.ModelIdentity(model), treebank, ProbeProfile.ForStudy(trainingProfile), device);

    private static LayerStudyInputs Locate(RunRecord run)
    {
        var pretrained = ModelCatalog.Resolve(run.Metrics.Model);
        var identity = Sweep.ModelIdentity(pretrained);
        if (run.Inputs["model_identity"]?.GetValue<string>() is { } recorded && recorded != identity)
            throw new InvalidDataException($"model '{run.Metrics.Model}' resolves to {identity}, not the {recorded} the runs started from");
        var treebank = DatasetLocator.LocateTreebank(null, null);
        if (run.Inputs["dataset"] is JsonArray dataset && !JsonNode.DeepEquals(dataset, treebank.Identity.ToHashJson()))
            throw new InvalidDataException($"the treebank found ({treebank.Directory}) is not the one the runs read: set POSLF_TREEBANK or POSLF_DATA_DIR to it");
        return new LayerStudyInputs(pretrained, identity, treebank, ProbeProfile.ForStudy(run.ProfileName), CPU);
    }

    /// <summary>The section, or "" where there is nothing to say in summary.md (no saved models).</summary>
    public static string Markdown(LayerSummary? layers, string? absent, bool anySaved)
    {
        if (layers is null)
            return anySaved ? $"\n## Layers\n\nNot drawn: {absent?.TrimEnd('.')}.\n" : "";
        var md = new StringBuilder();
        var profile = layers.ProbeProfile;
        md.Append("\n## Layers: linear probes and similarity to the pretrained encoder\n\n")
          .Append(CultureInfo.InvariantCulture, $"Probe profile `{profile["name"]}` v{profile["version"]}: a softmax-linear probe (C = {profile["c"]}, standardised features, L-BFGS) ")
          .Append(CultureInfo.InvariantCulture, $"per hidden state at each word's first sub-token, trained on {layers.TrainWords:N0} train words, accuracy on {layers.DevWords:N0} dev words. ")
          .Append(CultureInfo.InvariantCulture, $"CKA: linear centred kernel alignment (Kornblith et al. 2019; debiased form in brackets) between the pretrained and the fine-tuned hidden state on {layers.CkaWords:N0} dev words (seed {profile["cka_seed"]}), 1 = the same up to rotation and scale. ")
          .Append("Hidden state 0 is the embeddings' output, i the output of layer i − 1; `*` marks the output of a frozen unit. Seed means.\n\n");
        var header = string.Join(" | ", layers.Units.Select((u, l) => l == 0 ? "0 (emb)" : $"{l} ({u})"));
        var rule = string.Concat(Enumerable.Repeat("---:|", layers.Units.Count));
        md.Append(CultureInfo.InvariantCulture, $"Probe dev accuracy (%):\n\n| encoder | seeds | {header} |\n|---|---:|{rule}\n");
        md.Append(CultureInfo.InvariantCulture, $"| pretrained | — | {string.Join(" | ", layers.PretrainedDevAccuracy.Select(a => (a * 100).ToString("0.00", CultureInfo.InvariantCulture)))} |\n");
        foreach (var row in layers.Configs)
            md.Append(CultureInfo.InvariantCulture, $"| {row.Config} | {row.Seeds.Count} | {Cells(layers, row, row.DevAccuracy.Select(a => (a * 100).ToString("0.00", CultureInfo.InvariantCulture)))} |\n");
        md.Append(CultureInfo.InvariantCulture, $"\nCKA with the pretrained hidden state (debiased):\n\n| config | seeds | {header} |\n|---|---:|{rule}\n");
        foreach (var row in layers.Configs)
            md.Append(CultureInfo.InvariantCulture, $"| {row.Config} | {row.Seeds.Count} | {Cells(layers, row, row.Cka.Zip(row.CkaDebiased, (c, d) => string.Create(CultureInfo.InvariantCulture, $"{c:0.000} ({(d is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "—")})")))} |\n");
        md.Append(CultureInfo.InvariantCulture, $"\n![probe accuracy and CKA per hidden state]({FigureFile})\n");
        return md.ToString();
    }

    /// <summary>Whether hidden state <paramref name="layer"/> is the output of a unit <paramref name="row"/> froze.</summary>
    public static bool IsFrozen(LayerSummary layers, LayerConfigRow row, int layer) => row.Frozen.Contains(layers.Units[layer]);

    private static string Cells(LayerSummary layers, LayerConfigRow row, IEnumerable<string> values) =>
        string.Join(" | ", values.Select((v, l) => IsFrozen(layers, row, l) ? v + "*" : v));
}
