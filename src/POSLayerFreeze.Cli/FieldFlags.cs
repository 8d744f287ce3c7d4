using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Cli;

/// <summary>
/// The one table from the library's field names (<see cref="InvalidFieldException.Fields"/>) to what the user typed:
/// a field named here is shown as its flag, any other as itself. A new flag whose value the library checks adds its
/// line here (and its option in the command that reads it).
/// </summary>
public static class FieldFlags
{
    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        // profile fields (poslf run, poslf profile show)
        ["profile"] = "--profile",
        ["learning_rate"] = "--lr",
        ["epochs"] = "--epochs",
        ["batch_size"] = "--batch-size",
        ["max_length"] = "--max-length",
        ["train_sentences"] = "--train-sentences",
        ["warmup_ratio"] = "--warmup-ratio",
        ["weight_decay"] = "--weight-decay",
        ["batch_order"] = "--batch-order",
        ["logging_steps"] = "--logging-steps",
        ["precision"] = "--bf16",
        // the study (poslf run)
        ["model"] = "--model",
        ["device"] = "--device",
        ["suite"] = "--suite",
        ["configs"] = "--configs",
        ["seeds"] = "--seeds",
        ["out"] = "--out",
        ["shard"] = "--shard",
        ["parallel"] = "--parallel",
        // the cluster (poslf slurm submit)
        ["shards"] = "--shards",
        ["partition"] = "--partition",
        ["gres"] = "--gres",
        ["time"] = "--time",
        ["max_parallel"] = "--max-parallel",
        ["cpus_per_task"] = "--cpus-per-task",
        ["sbatch"] = "--sbatch",
        ["working_directory"] = "the current folder",
    };

    public static string Of(string field) => Flags.TryGetValue(field, out var flag) ? flag : field;

    /// <summary><c>problem (--flag)</c>, the problem as <see cref="CliErrors.Describe"/> words the original error.</summary>
    public static string Describe(InvalidFieldException e) =>
        $"{(e.InnerException is { } inner ? CliErrors.Describe(inner) : e.Problem)} ({string.Join(", ", e.Fields.Select(Of))})";
}
