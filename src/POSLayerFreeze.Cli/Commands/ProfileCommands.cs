using System.CommandLine;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Cli.Commands;

/// <summary>
/// <c>--profile NAME|FILE.json</c> and the single-field overrides, shared by <c>poslf run</c> and <c>poslf profile show</c>
/// so both compute the same effective profile.
/// </summary>
internal sealed class ProfileOptions
{
    public Option<string?> Profile { get; } = new("--profile") { Description = "smoke | full | a profile file (.json, as `poslf profile show` prints); default: smoke on cpu, full on cuda" };
    public Option<double?> LearningRate { get; } = new("--lr") { Description = "Override the profile's learning rate (the profile's name gains +lr=…)" };
    public Option<int?> Epochs { get; } = new("--epochs") { Description = "Override the profile's epochs" };
    public Option<int?> BatchSize { get; } = new("--batch-size") { Description = "Override the profile's batch size (windows per step)" };
    public Option<int?> MaxLength { get; } = new("--max-length") { Description = "Override the profile's window length in tokens" };
    public Option<int?> TrainSentences { get; } = new("--train-sentences") { Description = "Override the profile's train-sentence limit (an upper bound)" };
    public Option<double?> WarmupRatio { get; } = new("--warmup-ratio") { Description = "Override the profile's warm-up ratio (0..1)" };
    public Option<double?> WeightDecay { get; } = new("--weight-decay") { Description = "Override the profile's weight decay" };
    public Option<string?> BatchOrder { get; } = new("--batch-order") { Description = "random (Hugging Face's default, the profiles') | group-by-length (Hugging Face's LengthGroupedSampler); recorded in the profile and the inputs hash" };

    public Option<bool> EvalEachEpoch { get; } = new("--eval-each-epoch") { Description = "Also measure dev accuracy after every epoch (log_history, TensorBoard eval/accuracy, curves.png); changes no number; the profile's name gains +eval=epoch" };

    public Option<int?> LoggingSteps { get; } = new("--logging-steps") { Description = "Read the training loss every N steps (and at the last), one log_history entry each (default 50); changes no number; the profile's name gains +log=N" };

    public Option<bool> Bf16 { get; } = new("--bf16") { Description = "Mixed precision as Hugging Face's bf16=True: matmuls in bfloat16, fp32 master weights and AdamW state; another protocol (the profile's name gains +bf16, recorded in the inputs hash); needs a CPU with AVX512-BF16/AMX or a CUDA device with bf16" };

    public IEnumerable<Option> All => [Profile, LearningRate, Epochs, BatchSize, MaxLength, TrainSentences, WarmupRatio, WeightDecay, BatchOrder, EvalEachEpoch, LoggingSteps, Bf16];

    /// <summary>The effective profile: the named or file profile (else <paramref name="defaultName"/>) with the overrides applied.</summary>
    public TrainingProfile Resolve(ParseResult parse, string defaultName)
    {
        var nameOrFile = parse.GetValue(Profile) ?? defaultName;
        // A bad name or a missing file is a usage mistake; a malformed file is bad content (its error names file:line).
        var profile = nameOrFile.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || ProfileFile.IsBuiltIn(nameOrFile) || File.Exists(nameOrFile)
            ? ProfileFile.Load(nameOrFile)
            : throw new UsageException($"'{nameOrFile}' is neither a built-in profile (smoke, full) nor a profile file that exists", "--profile");
        return ProfileFile.Apply(profile, new ProfileOverrides(parse.GetValue(LearningRate), parse.GetValue(Epochs), parse.GetValue(BatchSize),
            parse.GetValue(MaxLength), parse.GetValue(TrainSentences), parse.GetValue(WarmupRatio), parse.GetValue(WeightDecay), parse.GetValue(BatchOrder),
            // A flag: present switches it on; absent keeps the profile's value.
            parse.GetValue(EvalEachEpoch) ? true : null, parse.GetValue(LoggingSteps), parse.GetValue(Bf16) ? Models.Precision.Bf16 : null));
    }
}

/// <summary><c>poslf profile show NAME|FILE [overrides]</c>: the effective profile as JSON, itself a valid profile file.</summary>
internal static class ProfileCommands
{
    public static Command Create()
    {
        var options = new ProfileOptions();
        var nameOrFile = new Argument<string>("profile") { Description = "smoke | full | a profile file (.json)" };
        var show = new Command("show", "Print the effective profile (with any overrides) as JSON; save it, edit it, pass it to --profile.");
        show.Arguments.Add(nameOrFile);
        foreach (var o in options.All.Where(o => o != options.Profile)) show.Options.Add(o);
        show.SetAction(parse =>
        {
            var profile = options.Resolve(parse, parse.GetValue(nameOrFile)!);
            Console.Out.Write(Invariant.ToJson(ProfileFile.ToFileJson(profile)) + "\n");
            return 0;
        });
        var command = new Command("profile", "Training protocols as data: built-in smoke and full, or your own JSON file.");
        command.Subcommands.Add(show);
        return command;
    }
}
