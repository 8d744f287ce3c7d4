using POSLayerFreeze.Models;
using POSLayerFreeze.Reporting;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Experiments;

/// <summary>
/// A study to run, in the library's words: what <c>poslf run</c>, a Slurm array task, a <c>--parallel</c> child and
/// the specs all hand to <see cref="Study.RunAsync"/>. Errors about a value name its property in snake case
/// (<c>configs</c>, <c>shard</c>, <c>max_length</c>) through <see cref="Runtime.InvalidFieldException"/>; the CLI
/// maps those names to its flags. A new setting is one property here, read where it is used.
/// </summary>
public sealed record StudyRequest
{
    /// <summary>The effective training protocol (a profile with any single-field overrides already applied).</summary>
    public required TrainingProfile Profile { get; init; }

    /// <summary>The results folder (made absolute by <see cref="Study"/>).</summary>
    public required string OutDir { get; init; }

    /// <summary><c>minilm</c>, a Hugging Face folder or a Hub id (see <see cref="ModelCatalog.Resolve"/>).</summary>
    public string Model { get; init; } = ModelCatalog.DefaultModel;

    /// <summary>cpu, cuda or cuda:N.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Freeze plans by name; null: <see cref="Suite"/>. Giving both is refused.</summary>
    public IReadOnlyList<string>? Configs { get; init; }

    /// <summary>A suite name (baseline, slpf, clpf, study); null with no <see cref="Configs"/>: study.</summary>
    public string? Suite { get; init; }

    /// <summary>null: the profile's default seeds.</summary>
    public IReadOnlyList<long>? Seeds { get; init; }

    public string? DataDir { get; init; }
    public string? TreebankDir { get; init; }
    public bool Tf32 { get; init; }
    public bool CachedPrefix { get; init; }
    public bool SaveModel { get; init; }

    /// <summary>null: length buckets as the device's policy says.</summary>
    public bool? Bucketed { get; init; }

    /// <summary>
    /// The profile's max_length was asked for as such, not taken from a profile: a profile's window is an upper bound
    /// (smoke's 128 on a 64-position model runs 64), an asked one beyond the model would be recorded while another ran.
    /// </summary>
    public bool MaxLengthAsked { get; init; }

    /// <summary>Only shard i of n (<c>i/n</c>), or <c>slurm</c>: this Slurm array task's shard.</summary>
    public string? Shard { get; init; }

    /// <summary>Shards run at once as child processes (capped at the runs left to do).</summary>
    public int Parallel { get; init; } = 1;

    /// <summary>Write summary.json/md and the figures at the end (shards leave it to the merge).</summary>
    public bool WriteSummary { get; init; } = true;

    /// <summary>Wait for another writer of <see cref="OutDir"/> to finish instead of failing.</summary>
    public bool Wait { get; init; }
}

/// <summary>The configurations and seeds a request stands for, for a resolved model (no data read yet).</summary>
public sealed record StudyDesign(ModelSource Source, IReadOnlyList<string> Configs, IReadOnlyList<long> Seeds);

/// <summary>What a study is about to run, for the front end's first line.</summary>
public sealed record StudyPlan(StudyRequest Request, StudyDesign Design, IReadOnlyList<RunSpec> Specs, bool Sharded);

/// <summary>What a study did: the runs it planned (this shard's), those it trained now, and the summary if written.</summary>
public sealed record StudyResult(string OutDir, IReadOnlyList<RunSpec> Specs, IReadOnlyList<RunMetrics> Trained, IReadOnlyList<ConfigSummary>? Summary);

/// <summary>How a front end shows a study and starts its children (the CLI: console, progress bars, poslf itself).</summary>
public interface IStudyHost
{
    /// <summary>Where the dataset fetch reports its progress (stderr in the CLI, whose stdout stays the sweep's).</summary>
    TextWriter Notes { get; }

    /// <summary>Another process holds the results folder: whom the study waits for (said again when the holder changes).</summary>
    void Waiting(string line);

    void Planned(StudyPlan plan);

    /// <summary>A folder under the results folder that is not a finished run: said once; it is redone or left out.</summary>
    void Rejected(RejectedRun run);

    /// <summary>Runs the sweep with the host's progress display.</summary>
    IReadOnlyList<RunMetrics> Sweep(Func<ISweepObserver, IReadOnlyList<RunMetrics>> sweep);

    /// <summary>Fewer children than asked: only <paramref name="todo"/> runs are left.</summary>
    void ChildrenCapped(int asked, int capped, int todo);

    /// <summary>The command that runs this same request as shard <paramref name="index"/> of <paramref name="count"/>, without a summary.</summary>
    IReadOnlyList<string> ChildCommand(int index, int count);

    void ChildOutput(int index, int count, string line, bool isError);

    /// <summary>The sweep ended (before the summary is written).</summary>
    void Finished(TimeSpan elapsed);
}
