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

/// <summary><c>poslf run</c>, <c>poslf report</c>, <c>poslf merge</c>: thin layers over Experiments.</summary>
internal static class RunCommands
{
    public static Command CreateRun(Option<string?> dataDir)
    {
        var suite = new Option<string?>("--suite") { Description = "baseline | slpf | clpf | study (default: study)" };
        var configs = new Option<string?>("--configs") { Description = "Comma-separated freeze plans instead of a suite, e.g. baseline,slpf-1,clpf-0+1+2,all" };
        var profileOptions = new ProfileOptions();
        var seeds = new Option<string?>("--seeds") { Description = "Comma-separated seeds (default: the profile's: 42 for smoke, 42,43,44 for full)" };
        var model = new Option<string>("--model") { Description = "minilm (embedded default), a Hugging Face model directory, or a Hub id (distilbert-base-uncased, ORG/NAME, ORG/NAME@REVISION) fetched into the Hugging Face cache", DefaultValueFactory = _ => "minilm" };
        var device = new Option<string>("--device") { Description = "cpu | cuda | cuda:N", DefaultValueFactory = _ => "cpu" };
        var outDir = new Option<string?>("--out") { Description = "Results folder (default: runs/<profile>)" };
        var shard = new Option<string?>("--shard") { Description = "i/n: run only shard i of n (deterministic split of configs × seeds); slurm: this Slurm array task's shard" };
        var parallel = new Option<int>("--parallel") { Description = "Run N shards concurrently as child processes (on a GPU: several configurations at once)", DefaultValueFactory = _ => 1 };
        var tf32 = new Option<bool>("--tf32") { Description = "Allow TF32 matmuls on CUDA (faster, recorded in results; off by default)" };
        var cachedPrefix = new Option<bool>("--cached-prefix") { Description = "Opt-in, changes the protocol: when the embeddings and layers 0..k are frozen, compute their output once per sentence (no dropout there) and train only the rest; recorded in metrics.json and the inputs hash" };
        var treebank = new Option<string?>("--treebank") { Description = "Any Universal Dependencies treebank folder holding exactly one *-ud-train.conllu[.gz], *-ud-dev… and *-ud-test… (else $POSLF_TREEBANK; --data-dir is for UD English EWT)" };
        var saveModel = new Option<bool>("--save-model") { Description = "Keep each run's fine-tuned tagger as a Hugging Face folder <run>/model (config.json, model.safetensors, vocab.txt, tokenizer_config.json; about 90 MB for minilm), listed with checksums in metrics.json; for poslf tag" };
        var noSummary = new Option<bool>("--no-summary") { Description = "Do not write summary.json/summary.md/result.png (shards)" };
        var wait = new Option<bool>("--wait") { Description = "If another poslf is writing to --out, wait for it to finish instead of failing" };
        var command = new Command("run", "Train and evaluate freeze configurations; resumable; writes per-run metrics, summary and result.png.");
        foreach (var o in new Option[] { suite, configs, seeds, model, device, outDir, dataDir, treebank, shard, parallel, tf32, cachedPrefix, saveModel, noSummary, wait }.Concat(profileOptions.All))
            command.Options.Add(o);
        command.SetAction(async (parse, cancel) =>
        {
            var deviceName = parse.GetValue(device)!;
            Usage("--device", () => TorchRuntime.ParseDeviceName(deviceName));
            var prof = profileOptions.Resolve(parse, DevicePolicy.DefaultProfile(deviceName));
            var seedList = parse.GetValue(seeds) is { } s ? ParseSeeds(s) : prof.DefaultSeeds.ToArray();
            var configText = parse.GetValue(configs);
            var suiteText = parse.GetValue(suite);
            if (configText is not null && suiteText is not null) throw new UsageException("give a suite or a list of configurations, not both", "--suite, --configs");
            var parallelCount = parse.GetValue(parallel);
            if (parallelCount < 1) throw new UsageException($"expected a number of child processes ≥ 1, got {parallelCount}", "--parallel");
            // Checked before the model is resolved (minilm converts on first use): a wrong --shard fails at once.
            var shardPart = parse.GetValue(shard) is { } shardText ? Usage("--shard", () => SlurmArrayTask.ResolveShardOption(shardText, Environment.GetEnvironmentVariable)) : ((int Index, int Count)?)null;
            if (shardPart is not null && parallelCount > 1) throw new UsageException("a shard cannot itself run in parallel", "--shard, --parallel");
            var request = new SweepRequest([], seedList, prof, NotEmpty(parse.GetValue(model), "--model", "a model (minilm or a Hugging Face model folder)"), deviceName, parse.GetValue(tf32),
                Path.GetFullPath(parse.GetValue(outDir) is { } outText ? NotEmpty(outText, "--out", "a results folder") : Path.Combine("runs", prof.Name)), parse.GetValue(dataDir), parse.GetValue(cachedPrefix), TreebankDir: parse.GetValue(treebank),
                SaveModel: parse.GetValue(saveModel));
            // One writer per results folder, taken before anything slow; also proves --out is a writable folder.
            using var folderLock = ResultsLock.Acquire(request.OutDir, parse.GetValue(wait) ? Timeout.InfiniteTimeSpan : TimeSpan.Zero,
                waiting: line => Console.Error.WriteLine($"poslf: {line}"), cancel: cancel);
            // The suite's size depends on the model's layer count: resolve it once, then plan.
            var source = Usage("--model", () => ModelCatalog.Resolve(request.Model), typeof(DirectoryNotFoundException));
            // A profile's max_length is an upper bound (smoke's 128 on a 64-position model runs 64), but a window asked
            // for on the command line beyond what the model can hold would be recorded while another one ran.
            if (parse.GetValue(profileOptions.MaxLength) is { } asked && asked > source.Config.MaxPositions)
                throw new UsageException($"a window of {asked.ToString(CultureInfo.InvariantCulture)} tokens is beyond what {source.Name} holds (max_position_embeddings {source.Config.MaxPositions.ToString(CultureInfo.InvariantCulture)})", "--max-length");
            var names = configText is not null
                ? configText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : Usage("--suite", () => Suites.Expand(suiteText ?? "study", source.Config.NumLayers)).Select(p => p.Name).ToArray();
            if (names.Length == 0) throw new UsageException("no configurations given", "--configs");
            if (configText is not null)
                foreach (var name in names) Usage("--configs", () => FreezePlan.Parse(name, source.Config.NumLayers));
            request = request with { Configs = names };
            // No dataset named and an empty per-user cache: fetch EWT, as `poslf data fetch` would, once every option
            // has been checked (a typo is not answered by a download). Progress goes to stderr, stdout stays the sweep's;
            // offline this is the one error line.
            using (var http = DatasetFetcher.CreateHttpClient())
                await EwtAutoFetch.EnsureAsync(request.TreebankDir, request.DataDir, http, Console.Error, cancellationToken: cancel).ConfigureAwait(false);
            var specs = Sweep.Plan(request, source);
            foreach (var bad in ResultsFolder.Inspect(request.OutDir).Rejected) Warn(bad);
            if (shardPart is var (index, count)) specs = RunSpec.Shard(specs, index, count);
            AnsiConsole.MarkupLineInterpolated($"[bold]poslf run[/]: {specs.Count} run(s) = {names.Length} config(s) × {seedList.Length} seed(s) (shard of), profile {prof.Name} v{prof.Version}, model {source.Name}, treebank {(specs.Count > 0 ? specs[0].Dataset.Treebank : "-")}, device {deviceName} → {request.OutDir}");
            var clock = Stopwatch.StartNew();
            if (parallelCount > 1)
            {
                // A child per run at most: more children only load the model and data to find nothing to do.
                var todo = Sweep.Unfinished(request, specs).Length;
                var capped = Math.Max(1, Math.Min(parallelCount, todo));
                if (capped < parallelCount) Console.WriteLine($"--parallel {parallelCount.ToString(CultureInfo.InvariantCulture)} capped at {capped.ToString(CultureInfo.InvariantCulture)}: {todo.ToString(CultureInfo.InvariantCulture)} run(s) to do");
                parallelCount = capped;
            }
            if (parallelCount > 1)
            {
                RunChildren(parse, parallelCount, request.OutDir, cancel);
            }
            else
            {
                RunWithProgress(request, specs, source, cancel);
            }
            // An interrupt that came after the last check of the sweep still stops the command: exit 130, no summary.
            cancel.ThrowIfCancellationRequested();
            AnsiConsole.MarkupLineInterpolated($"sweep finished in {clock.Elapsed.TotalSeconds:F1} s");
            if (!parse.GetValue(noSummary))
            {
                // Drawing the figures takes seconds: a signal stops between two files (exit 130), not after all of
                // them. Nothing is lost: files go through AtomicFile and poslf report rebuilds the summary.
                var configsSummary = Summary.Write(request.OutDir,
                    LayersSection.InputsFor(source, request.LocateTreebank(), prof.Name, TorchRuntime.ResolveDevice(deviceName)), Console.Error, cancel);
                PrintSummary(configsSummary, request.OutDir);
            }
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

    /// <summary>--parallel N: this command again as N shard children (see <see cref="ShardProcesses"/>).</summary>
    private static void RunChildren(ParseResult parse, int count, string outDir, CancellationToken cancel)
    {
        var self = Environment.ProcessPath!;
        var command = Path.GetFileNameWithoutExtension(self) == "dotnet" ? new[] { self, typeof(RunCommands).Assembly.Location } : [self];
        var args = parse.Tokens.Select(t => t.Value).ToList();
        var baseArgs = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--parallel") { i++; continue; }
            if (args[i].StartsWith("--parallel=", StringComparison.Ordinal)) continue;
            baseArgs.Add(args[i]);
        }
        ShardProcesses.Run(command, baseArgs, count, outDir,
            (i, line, isError) => (isError ? Console.Error : Console.Out).WriteLine($"[{i}/{count}] {line}"), cancel);
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
    private static void Warn(RejectedRun bad) =>
        Console.Error.WriteLine($"poslf: warning: {bad.Problem} ({bad.File}); not counted as a finished run");

    /// <summary>--seeds: comma-separated integers, at least one.</summary>
    internal static long[] ParseSeeds(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new UsageException("no seeds given", "--seeds");
        return parts.Select(x => long.TryParse(x, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seed)
            ? seed
            : throw new UsageException($"'{x}' is not an integer seed", "--seeds")).ToArray();
    }

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

    /// <summary>
    /// On a terminal: live progress bars (the sweep and the run in progress) with remaining time. Redirected output
    /// (CI logs, shard children): one line per run and a progress line with ETA every 10 s.
    /// </summary>
    private static void RunWithProgress(SweepRequest request, IReadOnlyList<RunSpec> specs, Models.ModelSource source, CancellationToken cancel)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
        {
            Sweep.Run(request, specs, source, new ConsoleObserver(), cancel);
            return;
        }
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context => Sweep.Run(request, specs, source, new ProgressBarObserver(context), cancel));
    }

    private sealed class ProgressBarObserver(ProgressContext context) : ISweepObserver
    {
        private ProgressTask? _sweep;
        private ProgressTask? _run;

        public void Planned(IReadOnlyList<RunSpec> todo, IReadOnlyList<RunSpec> alreadyFinished)
        {
            if (alreadyFinished.Count > 0) AnsiConsole.MarkupLineInterpolated($"resuming: {alreadyFinished.Count} finished run(s) kept, {todo.Count} to do");
            _sweep = context.AddTask($"sweep ({todo.Count} runs)", maxValue: Math.Max(1, todo.Count));
        }

        public void RunStarted(RunSpec spec)
        {
            _run?.StopTask();
            _run = context.AddTask(Markup.Escape($"{spec.Config} seed {spec.Seed}"), maxValue: 1);
        }

        public void Progress(RunSpec spec, int stepsDone, int totalSteps, double loss)
        {
            if (_run is null) return;
            _run.MaxValue = totalSteps;
            _run.Value = stepsDone;
            if (!double.IsNaN(loss)) _run.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{spec.Config} seed {spec.Seed} loss {loss:F3}"));
        }

        public void RunFinished(RunSpec spec, RunMetrics metrics)
        {
            _run?.StopTask();
            _sweep?.Increment(1);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"{spec.Config} seed {spec.Seed}: test acc {metrics.Test.Accuracy * 100:F2}%, dev {metrics.Dev.Accuracy * 100:F2}%");
        }
    }

    /// <summary>One line per run start/finish and a throttled progress line with ETA (works in CI logs too).</summary>
    private sealed class ConsoleObserver : ISweepObserver
    {
        private readonly Stopwatch _sweep = new();
        private readonly Stopwatch _run = new();
        private int _total;
        private int _done;
        private long _lastPrint;

        public void Planned(IReadOnlyList<RunSpec> todo, IReadOnlyList<RunSpec> alreadyFinished)
        {
            _total = todo.Count;
            if (alreadyFinished.Count > 0) Console.WriteLine($"resuming: {alreadyFinished.Count} finished run(s) kept, {todo.Count} to do");
            _sweep.Start();
        }

        public void RunStarted(RunSpec spec)
        {
            _run.Restart();
            _lastPrint = 0;
            Console.WriteLine($"[{_done + 1}/{_total}] {spec.Config} seed {spec.Seed}: training");
        }

        public void Progress(RunSpec spec, int stepsDone, int totalSteps, double loss)
        {
            if (_run.ElapsedMilliseconds - _lastPrint < 10_000 && stepsDone != totalSteps) return;
            _lastPrint = _run.ElapsedMilliseconds;
            var fraction = (double)stepsDone / totalSteps;
            var eta = fraction > 0 ? TimeSpan.FromSeconds(_run.Elapsed.TotalSeconds * (1 - fraction) / fraction) : TimeSpan.Zero;
            var lossText = double.IsNaN(loss) ? "not read yet" : loss.ToString("F4", CultureInfo.InvariantCulture);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    step {stepsDone}/{totalSteps} ({fraction:P0}) loss {lossText}, run ETA {eta:mm\\:ss}"));
        }

        public void RunFinished(RunSpec spec, RunMetrics metrics)
        {
            _done++;
            var perRun = _sweep.Elapsed.TotalSeconds / _done;
            var eta = TimeSpan.FromSeconds(perRun * (_total - _done));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{_done}/{_total}] {spec.Config} seed {spec.Seed}: test acc {metrics.Test.Accuracy * 100:F2}%, dev {metrics.Dev.Accuracy * 100:F2}% in {_run.Elapsed.TotalSeconds:F1} s; sweep ETA {eta:hh\\:mm\\:ss}"));
        }
    }
}
