using System.CommandLine;
using System.Globalization;
using POSLayerFreeze.Analysis;
using POSLayerFreeze.Data;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Cli.Commands;

/// <summary><c>poslf probe</c>: a linear probe per hidden state of a frozen encoder (issue 27), into probe.json and probe.md.</summary>
internal static class ProbeCommand
{
    public static Command Create(Option<string?> dataDir)
    {
        var model = new Option<string>("--model") { Description = "minilm, a Hugging Face folder, or a saved tagger (<run>/model)", DefaultValueFactory = _ => ModelCatalog.DefaultModel };
        var layers = new Option<string>("--layers") { Description = "all, or hidden states as a comma list (0 = embeddings output, i = output of layer i)", DefaultValueFactory = _ => "all" };
        var treebank = new Option<string?>("--treebank") { Description = "Any Universal Dependencies treebank folder (else --data-dir / $POSLF_TREEBANK / EWT)" };
        var outDir = new Option<string?>("--out") { Description = "Folder for probe.json and probe.md (default runs/probe/<model>)" };
        var profile = new Option<string>("--profile") { Description = "Probe protocol: default (first 1,024 train sentences, windows of 128), full (all train, the model's windows) or smoke (first 256 train sentences: what a smoke study's layers section uses)", DefaultValueFactory = _ => ProbeProfile.Default.Name };
        var trainSentences = new Option<int?>("--train-sentences") { Description = "Override the profile's train-sentence prefix (the memory bound)" };
        var device = new Option<string>("--device") { Description = "cpu | cuda | cuda:N", DefaultValueFactory = _ => "cpu" };
        var command = new Command("probe", "Per-layer linear probes: each hidden state of the frozen encoder at each word's first sub-token, a softmax-linear probe per layer, dev and test accuracy.");
        foreach (var o in new Option[] { model, layers, dataDir, treebank, outDir, profile, trainSentences, device }) command.Options.Add(o);
        command.SetAction(async (parse, cancel) =>
        {
            var deviceName = parse.GetValue(device)!;
            RunCommands.Usage("--device", () => TorchRuntime.ParseDeviceName(deviceName));
            var protocol = RunCommands.Usage("--profile", () => ProbeProfile.Named(parse.GetValue(profile)!));
            if (parse.GetValue(trainSentences) is { } n)
            {
                if (n < 1) throw new UsageException($"expected a number of sentences ≥ 1, got {n}", "--train-sentences");
                protocol = protocol with { TrainSentences = n };
            }
            var source = RunCommands.Usage("--model", () => ModelCatalog.Resolve(parse.GetValue(model)!), typeof(DirectoryNotFoundException));
            var chosen = RunCommands.Usage("--layers", () => LayerProbes.ParseHiddenStates(parse.GetValue(layers)!, source.Config.NumLayers));
            var treebankDir = parse.GetValue(treebank);
            var data = parse.GetValue(dataDir);
            using (var http = DatasetFetcher.CreateHttpClient())
                await EwtAutoFetch.EnsureAsync(treebankDir, data, http, Console.Error, cancellationToken: cancel).ConfigureAwait(false);
            var located = RunCommands.Usage("--treebank", () => DatasetLocator.LocateTreebank(treebankDir, data));
            var output = Path.GetFullPath(parse.GetValue(outDir) ?? Path.Combine("runs", "probe", source.Name));
            Console.Error.WriteLine($"poslf probe: model {source.Name}, treebank {located.Name}, profile {protocol.Name} v{protocol.Version}, train sentences {protocol.TrainSentences?.ToString(CultureInfo.InvariantCulture) ?? "all"}, hidden states {string.Join(",", chosen)}, device {deviceName} → {output}");
            var report = LayerProbes.Run(source, located, protocol, chosen, TorchRuntime.ResolveDevice(deviceName), Console.Error);
            LayerProbes.Write(report, output);
            Console.Out.Write(report.ToMarkdown());
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"poslf probe: wrote probe.json and probe.md to {output} (peak working set {report.PeakWorkingSetBytes / (1024.0 * 1024 * 1024):F2} GiB)"));
            return 0;
        });
        return command;
    }
}
