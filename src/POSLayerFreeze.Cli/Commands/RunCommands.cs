using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using POSLayerFreeze.Cluster;
using POSLayerFreeze.Data;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Freezing;
using POSLayerFreeze.Models;
using POSLayerFreeze.Reporting;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Training;
using Spectre.Console;

namespace POSLayerFreeze.Cli.Commands;

/// <summary><c>poslf run</c> (flags → <see cref="StudyRequest"/> → <see cref="Study"/>), <c>poslf report</c>, <c>poslf merge</c>: thin layers over Experiments.</summary>
internal static class RunCommands
{
    public static Command CreateRun(Option<string?> dataDir) => CreateRun(new RunOptions(dataDir));

    /// <summary>Parses the flags into a request (<see cref="RunOptions.ToRequest"/>), runs it (<see cref="Study"/>) and prints the summary.</summary>
    internal static Command CreateRun(RunOptions options)
    {
        var command = new Command("run", "Train and evaluate freeze configurations; resumable; writes per-run metrics, summary and result.png.");
        foreach (var o in options.All) command.Options.Add(o);
        command.SetAction(async (parse, cancel) =>
        {
            var request = options.ToRequest(parse);
            var tokens = parse.Tokens.Select(t => t.Value).ToArray();
            var result = await Study.RunAsync(request, new RunConsole(tokens), cancel).ConfigureAwait(false);
            if (result.Summary is { } summary) PrintSummary(summary, result.OutDir);
            return 0;
        });
        return command;
    }

    public static Command CreateReport()
    {
        var dir = new Argument<string>("dir") { Description = "A results folder written by poslf run or poslf merge" };
        var command = new Command("report", "Rebuild summary.json, summary.md, result.png, tradeoff.png and curves.png from existing results (only result.png and tradeoff.png when the folder holds just a summary.json).");
        command.Arguments.Add(dir);
        command.SetAction(parse =>
        {
            var outDir = Path.GetFullPath(parse.GetValue(dir)!);
            var contents = ResultsFolder.Inspect(outDir);
            foreach (var bad in contents.Rejected) Warn(bad);
            // A folder holding only a summary.json (a committed result) still gets its figures redrawn.
            if (contents.Runs.Count == 0 && contents.Rejected.Count == 0 && File.Exists(Path.Combine(outDir, Summary.JsonFile)))
            {
                foreach (var figure in Figures.WriteFromSummary(outDir)) AnsiConsole.MarkupLineInterpolated($"no runs in {outDir}: drew {figure.Path} from {Summary.JsonFile}");
                return 0;
            }
            PrintSummary(Summary.Write(outDir, null, Console.Error), outDir);
            return 0;
        });
        return command;
    }

    public static Command CreateMerge()
    {
        var dirs = new Argument<string[]>("dirs") { Description = "Shard results folders", Arity = ArgumentArity.OneOrMore };
        var outDir = new Option<string>("--out") { Description = "Merged results folder", Required = true };
        var command = new Command("merge", "Combine shard results into the files a single run writes (runs, summary, result.png).");
        command.Arguments.Add(dirs);
        command.Options.Add(outDir);
        command.SetAction(parse =>
        {
            var target = Path.GetFullPath(NotEmpty(parse.GetValue(outDir), "--out", "a results folder"));
            var runs = Merge.Into(parse.GetValue(dirs)!, target, Warn);
            AnsiConsole.MarkupLineInterpolated($"merged {runs.Count} run(s) into {target}");
            PrintSummary(Aggregation.Summarize(runs), target);
            return 0;
        });
        return command;
    }

    /// <summary>Runs <paramref name="parse"/>; a FormatException/ArgumentException (or <paramref name="also"/>) becomes a usage error naming <paramref name="option"/>.</summary>
    internal static T Usage<T>(string option, Func<T> parse, Type? also = null)
    {
        try
        {
            return parse();
        }
        catch (Exception e) when (e is FormatException or ArgumentException && e is not UsageException || (also is not null && also.IsInstanceOfType(e)))
        {
            throw new UsageException(CliErrors.Describe(e), option);
        }
    }

    /// <summary>The option's value, refusing an empty one (<c>--out ''</c>) in the error style rather than with .NET's own message.</summary>
    internal static string NotEmpty(string? value, string option, string what) =>
        string.IsNullOrWhiteSpace(value) ? throw new UsageException($"an empty value: give {what}", option) : value;

    /// <summary>A run folder that is not a finished run: said once, in the error style, and the run is redone or left out.</summary>
    internal static void Warn(RejectedRun bad) =>
        Console.Error.WriteLine($"poslf: warning: {bad.Problem} ({bad.File}); not counted as a finished run");

    private static void PrintSummary(IReadOnlyList<ConfigSummary> configs, string outDir)
    {
        var table = new Table().AddColumns("config", "trainable", "seeds", "test acc %", "dev acc %", "Δ vs baseline (pt)", "tokens/s");
        foreach (var c in configs)
        {
            // Cells are Spectre markup: the interval's "[lo, hi]" must be escaped or it is read as a style tag.
            table.AddRow(Markup.Escape(c.Config), c.TrainableParameters.ToString("N0", CultureInfo.InvariantCulture), c.Seeds.Count.ToString(CultureInfo.InvariantCulture),
                string.Create(CultureInfo.InvariantCulture, $"{c.TestAccuracy.Mean * 100:F2} ± {c.TestAccuracy.Sd * 100:F2}"),
                string.Create(CultureInfo.InvariantCulture, $"{c.DevAccuracy.Mean * 100:F2}"),
                c.VersusBaseline is { } v ? Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{v.Difference * 100:+0.00;-0.00} [{v.Lower * 100:+0.00;-0.00}, {v.Upper * 100:+0.00;-0.00}]")) : "—",
                c.TokensPerSecond.Mean.ToString("N0", CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"summary: {Path.Combine(outDir, Summary.MarkdownFile)}, figures: {Path.Combine(outDir, Summary.FigureFile)}, {Path.Combine(outDir, Figures.TradeoffFile)}, {Path.Combine(outDir, Figures.CurvesFile)}");
    }
}
