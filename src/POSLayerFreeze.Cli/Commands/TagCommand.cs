using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Cli.Commands;

/// <summary><c>poslf tag</c>: a saved tagger (<c>poslf run --save-model</c>) over CoNLL-U or plain text.</summary>
internal static class TagCommand
{
    /// <summary>Below this many batches no progress is printed (a few seconds of work).</summary>
    private const int ProgressFromBatches = 20;

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "A tagger folder written by poslf run --save-model (<run>/model)", Required = true };
        var device = new Option<string>("--device") { Description = "cpu | cuda | cuda:N", DefaultValueFactory = _ => "cpu" };
        var format = new Option<string>("--format") { Description = "auto | conllu | text (auto: from the name, else from the first line)", DefaultValueFactory = _ => "auto" };
        var output = new Option<string?>("--out") { Description = "Write the CoNLL-U here (atomically) instead of stdout" };
        var batchSize = new Option<int>("--batch-size") { Description = "Windows per forward pass (64 = the evaluation batch of the profiles: reproduces the run's predictions exactly)", DefaultValueFactory = _ => 64 };
        var input = new Argument<string>("input") { Description = "CoNLL-U (.conllu[.gz]: UPOS filled in, all else untouched) or plain text (one sentence per line); - reads stdin" };
        var command = new Command("tag", "Tag CoNLL-U or plain text with a saved tagger; CoNLL-U to stdout or --out, rate and progress on stderr.");
        foreach (var o in new Option[] { model, device, format, output, batchSize }) command.Options.Add(o);
        command.Arguments.Add(input);
        command.SetAction(parse =>
        {
            var formatName = parse.GetValue(format)!;
            var inputFormat = formatName switch
            {
                "auto" => TagInputFormat.Auto,
                "conllu" => TagInputFormat.Conllu,
                "text" => TagInputFormat.Text,
                _ => throw new UsageException($"'{formatName}' is not an input format: expected auto, conllu or text", "--format"),
            };
            var batch = parse.GetValue(batchSize);
            if (batch < 1) throw new UsageException($"expected a batch size ≥ 1, got {batch}", "--batch-size");
            var inputPath = parse.GetValue(input)!;
            var fromStdin = inputPath == "-";
            if (!fromStdin && !File.Exists(inputPath)) throw new UsageException($"no such file: {inputPath}", "INPUT");
            var modelDir = RunCommands.NotEmpty(parse.GetValue(model), "--model", "a tagger folder written by poslf run --save-model");
            if (parse.GetValue(output) is { } outText)
            {
                RunCommands.NotEmpty(outText, "--out", "a file for the CoNLL-U");
                // The output is written atomically over its path: the input itself would be replaced by its tagging.
                if (!fromStdin && SameFile(outText, inputPath)) throw new UsageException($"{outText} is the input file: tagging would replace it; write elsewhere", "--out");
            }
            if (!Directory.Exists(modelDir)) throw new UsageException($"no such folder: {modelDir}", "--model");

            var clock = Stopwatch.StartNew();
            using var tagger = TaggerCheckpoint.Load(modelDir, TorchRuntime.ResolveDevice(parse.GetValue(device)));
            var loadSeconds = clock.Elapsed.TotalSeconds;
            // stdin is copied to a temp file first: the readers need a seekable file (gzip detection, line numbers).
            var path = fromStdin ? CopyStdin() : inputPath;
            try
            {
                var name = fromStdin ? "<stdin>" : inputPath;
                var lastPrint = Stopwatch.StartNew();
                void Progress(int done, int total)
                {
                    if (total < ProgressFromBatches || (lastPrint.ElapsedMilliseconds < 2000 && done != 0)) return;
                    lastPrint.Restart();
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"tag: batch {done}/{total} ({(double)done / total:P0})"));
                }
                TagResult result;
                if (parse.GetValue(output) is { } outPath)
                {
                    TagResult? written = null;
                    AtomicFile.WriteText(outPath, writer => written = Tagging.Tag(tagger, path, name, inputFormat, writer, batch, Progress));
                    result = written!;
                }
                else
                {
                    using var stdout = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
                    result = Tagging.Tag(tagger, path, name, inputFormat, stdout, batch, Progress);
                }
                var accuracy = result.Accuracy is { } a ? string.Create(CultureInfo.InvariantCulture, $"; UPOS accuracy against the input's own tags {result.Correct}/{result.Words} = {a * 100:F4}%") : "";
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"tag: {result.Sentences} sentence(s), {result.Words} word(s) ({result.Format.ToString().ToLowerInvariant()}) in {result.Seconds:F2} s = {result.WordsPerSecond:F0} words/s (model loaded in {loadSeconds:F2} s){accuracy}"));
                return 0;
            }
            finally
            {
                if (fromStdin) File.Delete(path);
            }
        });
        return command;
    }

    private static bool SameFile(string a, string b)
    {
        static string Resolved(string path)
        {
            var full = Path.GetFullPath(path);
            return File.Exists(full) ? new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full : full;
        }
        return Resolved(a) == Resolved(b);
    }

    private static string CopyStdin()
    {
        var path = Path.Combine(Path.GetTempPath(), $"poslf-tag-stdin-{Environment.ProcessId}-{Guid.NewGuid():N}");
        using var file = File.Create(path);
        using var stdin = Console.OpenStandardInput();
        stdin.CopyTo(file);
        return path;
    }
}
