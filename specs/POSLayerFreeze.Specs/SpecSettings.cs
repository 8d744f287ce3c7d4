using POSLayerFreeze.Data;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Specs;

/// <summary>
/// What a spec session runs, from environment variables (a .runsettings file sets them for <c>dotnet test</c>):
/// <c>POSLF_PROFILE</c> (smoke), <c>POSLF_DEVICE</c> (cpu), <c>POSLF_MODEL</c> (minilm), <c>POSLF_DATA_DIR</c>
/// (the treebank; default: shared/datasets/ud-english-ewt beside the clone) and <c>POSLF_RUNS_DIR</c> (where runs
/// go and finished runs are reused; default: a fresh folder per session, deleted at its end).
/// </summary>
public sealed record SpecSettings(string Profile, string Device, string Model, string? DataDir, string? RunsDir)
{
    public const string ProfileVariable = "POSLF_PROFILE";
    public const string DeviceVariable = "POSLF_DEVICE";
    public const string ModelVariable = "POSLF_MODEL";
    public const string RunsDirVariable = "POSLF_RUNS_DIR";

    private static readonly Lazy<SpecSettings> FromEnvironment = new(() => new SpecSettings(
        Variable(ProfileVariable) ?? TrainingProfile.Smoke.Name,
        Variable(DeviceVariable) ?? "cpu",
        Variable(ModelVariable) ?? "minilm",
        Variable(DatasetLocator.EnvironmentVariable) ?? SpecPaths.SharedDataset(),
        Variable(RunsDirVariable) is { } runs ? SpecPaths.FromRepoRoot(runs) : null));

    public static SpecSettings Current => FromEnvironment.Value;

    /// <summary>The matmuls' arithmetic of this session's runs: fp32 (the protocol of record) unless a spec asks for
    /// the bf16 variant (<see cref="StudyRuns.Bf16"/>), whose goldens are filed under <c>&lt;profile&gt;+bf16</c>.</summary>
    public Precision Precision { get; init; } = Precision.Fp32;

    /// <summary><c>POSLF_PROFILE</c>: a built-in name or a profile file (its goldens are filed under the file's profile
    /// name), with <see cref="Precision"/> applied as <c>--bf16</c> would.</summary>
    public TrainingProfile TrainingProfile => Precision == Precision.Fp32
        ? BaseProfile
        : ProfileFile.Apply(BaseProfile, new ProfileOverrides(Precision: Precision));

    private TrainingProfile BaseProfile => _profile ??= ProfileFile.Load(Profile);

    private TrainingProfile? _profile;

    /// <summary>The golden folder under the profile: <c>cuda</c> for any CUDA device, else <c>cpu</c>.</summary>
    public string Backend => DevicePolicy.GoldenBackend(Device);

    /// <summary>
    /// The NUnit category of the selected profile (<c>Smoke</c>, <c>Full</c>), read when tests are discovered so
    /// <c>--filter Category=Full</c> selects exactly the specs that will run the full profile.
    /// </summary>
    public string ProfileCategory
    {
        get
        {
            var name = TrainingProfile.Name.Trim().ToLowerInvariant();
            return name.Length == 0 ? "Smoke" : char.ToUpperInvariant(name[0]) + name[1..];
        }
    }

    public override string ToString() =>
        $"profile {Profile}, device {Device}, model {Model}, data {DataDir ?? "<library default>"}, runs {RunsDir ?? "<fresh temp folder>"}";

    private static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value.Trim() : null;
}
