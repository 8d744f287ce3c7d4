using POSLayerFreeze.Cluster;
using POSLayerFreeze.Tests.Experiments;

namespace POSLayerFreeze.Tests.Cluster;

/// <summary>Submission order and sbatch's answers, with a stand-in for sbatch (the real one: eng/slurm/test.sh).</summary>
public class SlurmSubmitterTests
{
    private static SlurmJobs Jobs(string outDir) =>
        new(["/usr/bin/dotnet", "/opt/poslf/poslf.dll", "run", "--suite", "study", "--out"], (shards, merged) => ["/usr/bin/dotnet", "/opt/poslf/poslf.dll", "merge", .. shards, merged], 3, outDir, "/tmp");

    [Test]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")] // Slurm, like poslf, is Linux-only
    public void The_array_is_submitted_first_and_the_merge_depends_on_its_id()
    {
        var outDir = TinyWorld.TempDir("submit");
        var jobs = Jobs(outDir);
        var calls = new List<IReadOnlyList<string>>();
        var answers = new Queue<string>(["4242;cluster-a\n", "4243\n"]);
        var submission = SlurmSubmitter.Submit(jobs, args =>
        {
            // Slurm reads the script when it is submitted: it must be complete on disk by then.
            Assert.That(File.ReadAllText(args[^1]), Is.EqualTo(args[^1] == jobs.SweepScriptPath ? jobs.SweepScript() : jobs.MergeScript()));
            calls.Add(args);
            return new SbatchResult(0, answers.Dequeue(), "");
        });
        Assert.That(submission, Is.EqualTo(new SlurmSubmission("4242", "4243")));
        Assert.That(calls, Has.Count.EqualTo(2));
        Assert.That(calls[0], Is.EqualTo(jobs.SweepSubmitArguments()));
        Assert.That(calls[1], Does.Contain("--dependency=afterok:4242"));
        // Slurm does not create the folder of --output: without logs/ every task would fail at start.
        Assert.That(Directory.Exists(jobs.LogDir), Is.True);
        Assert.That(File.GetUnixFileMode(jobs.SweepScriptPath) & UnixFileMode.UserExecute, Is.EqualTo(UnixFileMode.UserExecute));
        Assert.That(TinyWorld.TempFiles(outDir), Is.Empty);
    }

    [Test]
    public void A_refused_array_submits_no_merge()
    {
        var calls = 0;
        var error = Assert.Throws<SlurmSubmitException>(() => SlurmSubmitter.Submit(Jobs(TinyWorld.TempDir("submit")), _ =>
        {
            calls++;
            return new SbatchResult(1, "", "sbatch: error: invalid partition specified: gpu\nsbatch: error: Batch job submission failed\n");
        }))!;
        Assert.That(calls, Is.EqualTo(1));
        Assert.That(error.Message, Does.Contain("exit 1").And.Contain("invalid partition specified: gpu").And.Contain("sweep.sbatch"));
        Assert.That(error.Message, Does.Not.Contain("\n"), "one line");
    }

    [Test]
    public void A_refused_merge_names_the_array_already_submitted()
    {
        var answers = new Queue<SbatchResult>([new SbatchResult(0, "51\n", ""), new SbatchResult(1, "", "sbatch: error: QOSMaxSubmitJobPerUserLimit\n")]);
        var error = Assert.Throws<SlurmSubmitException>(() => SlurmSubmitter.Submit(Jobs(TinyWorld.TempDir("submit")), _ => answers.Dequeue()))!;
        Assert.That(error.Message, Does.Contain("the merge job").And.Contain("array 51 is submitted").And.Contain("scancel 51"));
    }

    [TestCase("")]
    [TestCase("Submitted batch job 12")]
    [TestCase("12;")]
    public void Output_that_is_not_a_parsable_job_id_is_an_error(string stdout) =>
        Assert.That(() => SlurmSubmitter.Submit(Jobs(TinyWorld.TempDir("submit")), _ => new SbatchResult(0, stdout, "")),
            Throws.TypeOf<SlurmSubmitException>().With.Message.Contains("not a job id"));
}
