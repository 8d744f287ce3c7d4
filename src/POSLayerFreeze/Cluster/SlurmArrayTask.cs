using System.Globalization;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Cluster;

/// <summary>
/// <c>--shard slurm</c>: the shard of the sweep this Slurm array task runs, from the variables Slurm sets in every
/// array task. The task's place in the array is its shard index (task id minus the lowest id), the array's size is
/// the shard count, so an array of n tasks covers the sweep exactly as <c>--shard 0/n</c> … <c>--shard n-1/n</c> do.
/// </summary>
public static class SlurmArrayTask
{
    public const string ShardKeyword = "slurm";
    public const string TaskIdVariable = "SLURM_ARRAY_TASK_ID";
    public const string TaskCountVariable = "SLURM_ARRAY_TASK_COUNT";
    public const string TaskMinVariable = "SLURM_ARRAY_TASK_MIN";
    public const string TaskMaxVariable = "SLURM_ARRAY_TASK_MAX";
    public const string TaskStepVariable = "SLURM_ARRAY_TASK_STEP";
    /// <summary>What errors name: the shard asked for (<see cref="StudyRequest.Shard"/>).</summary>
    public const string Field = "shard";

    /// <summary>A shard as asked for: <c>slurm</c> (from the environment) or <c>i/n</c>.</summary>
    public static (int Index, int Count) ResolveShardOption(string text, Func<string, string?> environment)
    {
        if (!string.Equals(text.Trim(), ShardKeyword, StringComparison.OrdinalIgnoreCase)) return RunSpec.ParseShard(text);
        return Shard(environment);
    }

    public static (int Index, int Count) Shard(Func<string, string?> environment)
    {
        if (string.IsNullOrEmpty(environment(TaskIdVariable)))
            throw new InvalidFieldException(Field,
                $"not inside a Slurm array job: {TaskIdVariable} is not set; submit the sweep with 'poslf slurm submit' or give the shard as i/n");
        var id = Read(environment, TaskIdVariable);
        var count = Read(environment, TaskCountVariable);
        var min = Read(environment, TaskMinVariable);
        // An array like --array=0,2,5 or 0-9:3 has holes: task id − min is then no shard index, and some shards
        // would never run. Slurm sets MAX (and STEP for stepped ranges) in every array task; refuse such arrays.
        var max = environment(TaskMaxVariable) is { Length: > 0 } ? Read(environment, TaskMaxVariable) : min + count - 1;
        var step = environment(TaskStepVariable) is { Length: > 0 } ? Read(environment, TaskStepVariable) : 1;
        if (count < 1 || step != 1 || max - min + 1 != count)
            throw new InvalidFieldException(Field,
                $"the Slurm array is not one contiguous range ({TaskMinVariable}={min}, {TaskMaxVariable}={max}, {TaskStepVariable}={step}, {TaskCountVariable}={count}): submit it as --array=0-{count - 1}");
        var index = id - min;
        if (index < 0 || index >= count)
            throw new InvalidFieldException(Field, $"{TaskIdVariable}={id} lies outside the array {min}-{max}");
        return (index, count);
    }

    private static int Read(Func<string, string?> environment, string name)
    {
        var text = environment(name);
        if (string.IsNullOrEmpty(text))
            throw new InvalidFieldException(Field, $"{name} is not set although {TaskIdVariable} is: Slurm older than 18.08 or a hand-made environment");
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            throw new InvalidFieldException(Field, $"{name}='{text}' is not a non-negative integer");
        return value;
    }
}
