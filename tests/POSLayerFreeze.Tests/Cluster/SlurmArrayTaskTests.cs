using POSLayerFreeze.Cli;
using POSLayerFreeze.Data;
using POSLayerFreeze.Cluster;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Tests.Cluster;

/// <summary><c>--shard slurm</c>: an array task's shard from the variables Slurm sets.</summary>
public class SlurmArrayTaskTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        return name => map.GetValueOrDefault(name);
    }

    private static Func<string, string?> Task(int id, int min, int count, int? max = null) => Env(
        (SlurmArrayTask.TaskIdVariable, $"{id}"), (SlurmArrayTask.TaskMinVariable, $"{min}"),
        (SlurmArrayTask.TaskCountVariable, $"{count}"), (SlurmArrayTask.TaskMaxVariable, $"{max ?? min + count - 1}"));

    private static readonly DatasetIdentity Dataset = new("xx", new("train", "xx-ud-train.conllu", "1"), new("dev", "xx-ud-dev.conllu", "2"),
        new("test", "xx-ud-test.conllu", "3"));

    [Test]
    public void The_tasks_of_an_array_are_the_shards_of_the_sweep_whatever_the_first_task_id()
    {
        var specs = new[] { "baseline", "slpf-0", "slpf-1", "all" }
            .SelectMany(c => new long[] { 42, 43, 44 }.Select(s => new RunSpec(c, s, TrainingProfile.Smoke, "m", "m@x", "cpu", false) { Dataset = Dataset }))
            .ToArray();
        foreach (var min in new[] { 0, 7 })
            for (var n = 1; n <= 5; n++)
            {
                var shards = Enumerable.Range(min, n).Select(id => SlurmArrayTask.Shard(Task(id, min, n))).ToArray();
                Assert.That(shards, Is.EqualTo(Enumerable.Range(0, n).Select(i => (i, n)).ToArray()), $"min {min}, {n} tasks");
                var covered = shards.SelectMany(s => RunSpec.Shard(specs, s.Index, s.Count)).ToArray();
                Assert.That(covered, Is.EquivalentTo(specs), $"min {min}, {n} tasks: every run exactly once");
            }
    }

    [Test]
    public void Without_MAX_and_STEP_the_array_is_taken_as_min_to_min_plus_count()
    {
        var env = Env((SlurmArrayTask.TaskIdVariable, "3"), (SlurmArrayTask.TaskMinVariable, "2"), (SlurmArrayTask.TaskCountVariable, "4"));
        Assert.That(SlurmArrayTask.Shard(env), Is.EqualTo((1, 4)));
    }

    [Test]
    public void Outside_an_array_job_the_error_says_so_and_names_the_option()
    {
        var error = Assert.Throws<InvalidFieldException>(() => SlurmArrayTask.Shard(Env()))!;
        Assert.That(error.Message, Does.Contain("not inside a Slurm array job").And.Contain("SLURM_ARRAY_TASK_ID").And.EndWith("(shard)"));
        Assert.That(FieldFlags.Describe(error), Does.EndWith("(--shard)"), "poslf names the option");
        // A plain (non-array) Slurm job sets SLURM_JOB_ID but no array variables: the same error.
        Assert.That(() => SlurmArrayTask.Shard(Env(("SLURM_JOB_ID", "12"))), Throws.TypeOf<InvalidFieldException>().With.Message.Contains("not inside"));
    }

    [TestCase(0, 0, 3, 5, "not one contiguous range")] // --array=0,2,5: three tasks spanning 0..5
    [TestCase(4, 0, 3, 2, "outside the array")]
    public void Arrays_with_holes_and_foreign_task_ids_are_refused(int id, int min, int count, int max, string expected) =>
        Assert.That(() => SlurmArrayTask.Shard(Task(id, min, count, max)),
            Throws.TypeOf<InvalidFieldException>().With.Message.Contains(expected).And.Property(nameof(InvalidFieldException.Fields)).EqualTo(new[] { "shard" }));

    [Test]
    public void A_stepped_array_is_refused()
    {
        var env = Env((SlurmArrayTask.TaskIdVariable, "2"), (SlurmArrayTask.TaskMinVariable, "0"), (SlurmArrayTask.TaskCountVariable, "3"),
            (SlurmArrayTask.TaskMaxVariable, "2"), (SlurmArrayTask.TaskStepVariable, "2"));
        Assert.That(() => SlurmArrayTask.Shard(env), Throws.TypeOf<InvalidFieldException>().With.Message.Contains("STEP=2"));
    }

    [Test]
    public void A_missing_or_malformed_variable_is_named()
    {
        Assert.That(() => SlurmArrayTask.Shard(Env((SlurmArrayTask.TaskIdVariable, "1"), (SlurmArrayTask.TaskMinVariable, "0"))),
            Throws.TypeOf<InvalidFieldException>().With.Message.Contains("SLURM_ARRAY_TASK_COUNT is not set"));
        Assert.That(() => SlurmArrayTask.Shard(Env((SlurmArrayTask.TaskIdVariable, "x1"), (SlurmArrayTask.TaskMinVariable, "0"),
                (SlurmArrayTask.TaskCountVariable, "2"))),
            Throws.TypeOf<InvalidFieldException>().With.Message.Contains("SLURM_ARRAY_TASK_ID='x1'"));
    }

    [Test]
    public void The_shard_option_takes_slurm_in_any_case_or_i_of_n()
    {
        Assert.That(SlurmArrayTask.ResolveShardOption("SLURM", Task(1, 0, 2)), Is.EqualTo((1, 2)));
        Assert.That(SlurmArrayTask.ResolveShardOption("2/3", Task(1, 0, 2)), Is.EqualTo((2, 3)), "i/n ignores the environment");
        Assert.That(() => SlurmArrayTask.ResolveShardOption("slurmy", Env()), Throws.TypeOf<FormatException>());
    }
}
