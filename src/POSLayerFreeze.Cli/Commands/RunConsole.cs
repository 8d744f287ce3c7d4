using System.Diagnostics;
using System.Globalization;
using POSLayerFreeze.Experiments;
using Spectre.Console;

namespace POSLayerFreeze.Cli.Commands;

/// <summary>
/// How <c>poslf run</c> shows a study: the plan's first line, warnings and lock waits on stderr, live progress bars
/// on a terminal or one line per run (and a progress line with ETA every 10 s) in logs and shard children, and
/// --parallel children started as this poslf again (<see cref="ShardArguments"/>) with their lines prefixed.
/// </summary>
internal sealed class RunConsole(IReadOnlyList<string> runTokens) : IStudyHost
{
    public TextWriter Notes => Console.Error;

    public void Waiting(string line) => Console.Error.WriteLine($"poslf: {line}");

    public void Planned(StudyPlan plan)
    {
        var (request, design, specs) = (plan.Request, plan.Design, plan.Specs);
        var treebank = specs.Count > 0 ? specs[0].Dataset.Treebank : "-";
        AnsiConsole.MarkupLineInterpolated($"[bold]poslf run[/]: {specs.Count} run(s) = {design.Configs.Count} config(s) × {design.Seeds.Count} seed(s) (shard of), profile {request.Profile.Name} v{request.Profile.Version}, model {design.Source.Name}, treebank {treebank}, device {request.Device} → {request.OutDir}");
    }

    public void Rejected(RejectedRun run) => RunCommands.Warn(run);

    public IReadOnlyList<RunMetrics> Sweep(Func<ISweepObserver, IReadOnlyList<RunMetrics>> sweep)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive || Console.IsOutputRedirected) return sweep(new ConsoleObserver());
        IReadOnlyList<RunMetrics> runs = [];
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context => runs = sweep(new ProgressBarObserver(context)));
        return runs;
    }

    public void ChildrenCapped(int asked, int capped, int todo) =>
        Console.WriteLine($"--parallel {asked.ToString(CultureInfo.InvariantCulture)} capped at {capped.ToString(CultureInfo.InvariantCulture)}: {todo.ToString(CultureInfo.InvariantCulture)} run(s) to do");

    public IReadOnlyList<string> ChildCommand(int index, int count) => ShardArguments.ForChild(runTokens, index, count);

    public void ChildOutput(int index, int count, string line, bool isError) => (isError ? Console.Error : Console.Out).WriteLine($"[{index}/{count}] {line}");

    public void Finished(TimeSpan elapsed) => AnsiConsole.MarkupLineInterpolated($"sweep finished in {elapsed.TotalSeconds:F1} s");

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
