using System.Text.Json.Nodes;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Freezing;
using POSLayerFreeze.Models;

namespace POSLayerFreeze.Specs;

/// <summary>
/// The runs of one test session, shared by every spec: a configuration is trained (with the profile's default
/// seeds, through <see cref="Study"/> as poslf run does) the first time a spec asks for it and never again; a claim reuses the SLPF and
/// CLPF runs. With <c>POSLF_RUNS_DIR</c> set, finished runs already there (a GPU sweep, a merge of shards) are
/// reused through the sweep's inputs hash, so the specs check those results instead of training.
/// </summary>
public sealed class StudyRuns
{
    private static readonly Lazy<StudyRuns> Session = new(() => new StudyRuns(SpecSettings.Current), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly Lock gate = new();
    private readonly Dictionary<string, IReadOnlyList<RunRecord>> finished = new(StringComparer.Ordinal);
    private readonly Lazy<ModelSource> model;

    private StudyRuns(SpecSettings settings)
    {
        Settings = settings;
        OwnsOutDir = settings.RunsDir is null;
        OutDir = settings.RunsDir ?? Directory.CreateTempSubdirectory("poslf-specs-").FullName;
        model = new(() => ModelCatalog.Resolve(settings.Model), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public static StudyRuns Current => Session.Value;

    /// <summary>True once a spec has used the session (so tear-down never creates one just to delete it).</summary>
    public static bool Started => Session.IsValueCreated;

    private static readonly Lazy<StudyRuns> Bf16Session = new(() =>
    {
        var settings = SpecSettings.Current;
        // A kept runs folder gets a sibling: fp32 and bf16 runs of a configuration would share <config>/seed-<s>.
        return new StudyRuns(settings with { Precision = Models.Precision.Bf16, RunsDir = settings.RunsDir is { } runs ? runs + "-bf16" : null });
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The session's runs in bf16 mixed precision (<c>--bf16</c>), in a runs folder of their own.</summary>
    public static StudyRuns Bf16 => Bf16Session.Value;

    /// <summary>The sessions started so far (for tear-down).</summary>
    public static IEnumerable<StudyRuns> StartedSessions =>
        new[] { Session, Bf16Session }.Where(s => s.IsValueCreated).Select(s => s.Value);

    public SpecSettings Settings { get; }

    /// <summary>Where the runs are: <c>&lt;config&gt;/seed-&lt;s&gt;/metrics.json</c>, plus summary and result.png once written.</summary>
    public string OutDir { get; }

    /// <summary>True when the folder is this session's own temporary one (deleted at the end of the session).</summary>
    public bool OwnsOutDir { get; }

    public int NumLayers => model.Value.Config.NumLayers;

    /// <summary>The seed README's whole experiment for this model: baseline, SLPF, CLPF prefixes and all.</summary>
    public IReadOnlyList<string> StudyConfigs => Suites.Expand("study", NumLayers).Select(p => p.Name).ToArray();

    /// <summary>The finished runs of <paramref name="config"/>, one per default seed, in seed order.</summary>
    public IReadOnlyList<RunRecord> Of(string config) => Of([config])[0];

    /// <summary>The finished runs of each configuration (in the order asked), training only those not yet finished.</summary>
    public IReadOnlyList<IReadOnlyList<RunRecord>> Of(IReadOnlyList<string> configs)
    {
        ArgumentNullException.ThrowIfNull(configs);
        var names = configs.Select(c => FreezePlan.Parse(c, NumLayers).Name).ToArray();
        lock (gate)
        {
            var missing = names.Where(c => !finished.ContainsKey(c)).Distinct().ToArray();
            if (missing.Length > 0) Train(missing);
            return names.Select(c => finished[c]).ToArray();
        }
    }

    private void Train(IReadOnlyList<string> configs)
    {
        var profile = Settings.TrainingProfile;
        var request = new StudyRequest
        {
            Profile = profile, OutDir = OutDir, Model = Settings.Model, Device = Settings.Device, DataDir = Settings.DataDir, Configs = configs, WriteSummary = false,
        };
        var specs = Study.RunAsync(request, new ProgressObserver(), CancellationToken.None).GetAwaiter().GetResult().Specs;
        // Read back only runs of exactly these inputs: a shared runs folder may hold other profiles or seeds.
        var planned = specs.Select(s => s.InputsHash).ToHashSet(StringComparer.Ordinal);
        var records = ResultsFolder.Collect(OutDir).Where(r => planned.Contains(r.InputsHash)).ToArray();
        foreach (var config in configs)
        {
            var runs = records.Where(r => r.Config == config).OrderBy(r => r.Seed).ToArray();
            if (runs.Length != profile.DefaultSeeds.Count)
                throw new InvalidOperationException(
                    $"{config}: expected {profile.DefaultSeeds.Count} finished run(s) under {OutDir}, found {runs.Length}.");
            finished[config] = runs;
        }
    }

    /// <summary>One line per run on the live progress stream (dotnet test shows it with --logger "console;verbosity=detailed").</summary>
    private sealed class ProgressObserver : ISweepObserver, IStudyHost
    {
        public TextWriter Notes => TestContext.Progress;

        public void Waiting(string line) => TestContext.Progress.WriteLine(line);

        public void Planned(StudyPlan plan)
        {
        }

        public void Rejected(RejectedRun run) => TestContext.Progress.WriteLine($"not a finished run: {run.Problem} ({run.File})");

        public IReadOnlyList<RunMetrics> Sweep(Func<ISweepObserver, IReadOnlyList<RunMetrics>> sweep) => sweep(this);

        public void ChildrenCapped(int asked, int capped, int todo)
        {
        }

        public IReadOnlyList<string> ChildCommand(int index, int count) => throw new NotSupportedException("the specs run their sweep in one process");

        public void ChildOutput(int index, int count, string line, bool isError)
        {
        }

        public void Finished(TimeSpan elapsed)
        {
        }

        public void Planned(IReadOnlyList<RunSpec> todo, IReadOnlyList<RunSpec> alreadyFinished) =>
            TestContext.Progress.WriteLine($"runs: {todo.Count} to train, {alreadyFinished.Count} reused");

        public void RunStarted(RunSpec spec) => TestContext.Progress.WriteLine($"training {spec.Config} seed {spec.Seed} ({spec.Profile.Name}, {spec.Device})");

        public void Progress(RunSpec spec, int stepsDone, int totalSteps, double loss)
        {
        }

        public void RunFinished(RunSpec spec, RunMetrics metrics) =>
            TestContext.Progress.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"finished {spec.Config} seed {spec.Seed}: test accuracy {metrics.Test.Accuracy}"));
    }
}
