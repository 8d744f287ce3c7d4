using System.CommandLine;
using System.Globalization;
using POSLayerFreeze.Data;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tokenization;

namespace POSLayerFreeze.Cli.Commands;

/// <summary><c>poslf parity</c>: our forward pass against reference outputs, on the device you name.</summary>
internal static class ParityCommand
{
    public static Command Create(Option<string?> dataDir)
    {
        var checkpoint = new Argument<string?>("checkpoint") { Description = "Hugging Face token-classification folder with expected.json (e.g. the tiny test fixtures)", Arity = ArgumentArity.ZeroOrOne };
        var model = new Option<string?>("--model") { Description = "Instead: compare this pretrained model (minilm, a folder or a Hub id) on --device against the CPU, on EWT dev sentences" };
        var device = new Option<string>("--device") { Description = "cpu | cuda | cuda:N", DefaultValueFactory = _ => "cpu" };
        var sentences = new Option<int>("--sentences") { Description = "Dev sentences for --model", DefaultValueFactory = _ => 64 };
        var tolerance = new Option<double>("--tolerance") { Description = "Largest accepted |difference|", DefaultValueFactory = _ => 1e-4 };
        var command = new Command("parity", "Check our forward pass against Hugging Face reference outputs, or one device against the CPU.");
        command.Arguments.Add(checkpoint);
        foreach (var o in new Option[] { model, device, sentences, tolerance, dataDir }) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var dev = TorchRuntime.ResolveDevice(parse.GetValue(device));
            var limit = parse.GetValue(tolerance);
            IReadOnlyList<(string Name, double Diff)> diffs;
            if (parse.GetValue(model) is { } spec)
            {
                var source = ModelCatalog.Resolve(spec);
                var aligner = WordTokenizers.For(source);
                var dev0 = ConlluReader.Read(EwtDataset.Locate(parse.GetValue(dataDir)).PathOf("dev")).Take(parse.GetValue(sentences))
                    .Select(s => aligner.Encode(s.Forms()).InputIds).ToArray();
                diffs = [($"{source.Name} last hidden state, {dev} vs cpu, {dev0.Length} dev sentences", ReferenceParity.DeviceAgainstCpu(source, dev0, dev))];
            }
            else
            {
                var dir = parse.GetValue(checkpoint) ?? throw new ArgumentException("give a checkpoint folder with expected.json, or --model");
                diffs = ReferenceParity.AgainstExpected(dir, dev).Select(d => ($"{Path.GetFileName(dir.TrimEnd('/'))} {d.Tensor} on {dev}", d.MaxAbsDiff)).ToArray();
            }
            foreach (var (name, diff) in diffs)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(diff <= limit ? "ok  " : "FAIL")} {name}: max |diff| = {diff:E3}"));
            return diffs.All(d => d.Diff <= limit) ? 0 : 1;
        });
        return command;
    }
}
