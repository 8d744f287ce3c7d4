using System.CommandLine;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using POSLayerFreeze.Cluster;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Freezing;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Cli.Commands;

/// <summary><c>poslf slurm submit</c>: the sweep as a Slurm job array plus a merge job (scripts built in Cluster/).</summary>
internal static class SlurmCommands
{
    public static Command Create()
    {
        var command = new Command("slurm", "Run a sweep on a Slurm cluster: one array task per shard, then a merge job.");
        command.Subcommands.Add(CreateSubmit());
        return command;
    }

    private static Command CreateSubmit()
    {
        var outDir = new Option<string?>("--out") { Description = "Results root: shards/, merged/, logs/, slurm/ (default: runs/<profile>); must be on a file system every node sees" };
        var shards = new Option<int?>("--shards") { Description = "Array tasks = shards of the sweep (default: one per run, i.e. configs × seeds)" };
        var partition = new Option<string?>("--partition") { Description = "Slurm partition for both jobs, e.g. gpu" };
        var gres = new Option<string?>("--gres") { Description = "Generic resources per task, e.g. gpu:1" };
        var time = new Option<string?>("--time") { Description = "Time limit per task (and for the merge), e.g. 02:00:00" };
        var maxParallel = new Option<int?>("--max-parallel") { Description = "At most K tasks at once (the array's %K)" };
        var cpus = new Option<int?>("--cpus-per-task") { Description = "CPUs per task (also OMP_NUM_THREADS in the task)" };
        var sbatchOptions = new Option<string[]>("--sbatch") { Description = "Another #SBATCH option for both jobs, e.g. --sbatch=--account=lab (repeatable)" };
        var specs = new Option<bool>("--specs") { Description = "After merging, run the specs against the merged runs (whole study with the profile's seeds only; needs the SDK and this clone on the node)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the two scripts and the sbatch commands; write and submit nothing" };
        var command = new Command("submit", "Write an sbatch array script (one task per shard, poslf run --shard slurm) and a merge job (afterok), and submit both. Other options are poslf run's and go to every task.")
        {
            // Everything this command does not know is a `poslf run` option, passed to every task (and checked here).
            TreatUnmatchedTokensAsErrors = false,
        };
        foreach (var o in new Option[] { outDir, shards, partition, gres, time, maxParallel, cpus, sbatchOptions, specs, dryRun })
            command.Options.Add(o);
        // Errors go to CliErrors (one line, exit 2 for a usage mistake): nothing is submitted before every check passed.
        command.SetAction(parse =>
        {
            var runArguments = parse.UnmatchedTokens.ToArray();
            var sweep = PlanSweep(runArguments);
            var shardCount = parse.GetValue(shards) ?? sweep.Runs;
            if (shardCount > sweep.Runs)
                throw new UsageException($"{shardCount} shards for {sweep.Runs} run(s) would leave a shard empty: at most {sweep.Runs}", "--shards");
            // Said before anything is written: most clusters keep Slurm's default, and sbatch's own refusal
            // ("Invalid job array specification") does not say what to change.
            if (shardCount > SlurmJobs.DefaultMaxArraySize)
                Console.Error.WriteLine($"poslf: warning: an array of {shardCount.ToString(CultureInfo.InvariantCulture)} tasks (--array=0-{(shardCount - 1).ToString(CultureInfo.InvariantCulture)}) exceeds Slurm's default MaxArraySize of {SlurmJobs.DefaultMaxArraySize.ToString(CultureInfo.InvariantCulture)}; sbatch refuses it unless slurm.conf raises MaxArraySize: pass --shards {SlurmJobs.DefaultMaxArraySize.ToString(CultureInfo.InvariantCulture)} or fewer (each task then runs several runs)");
            var root = parse.GetValue(outDir) ?? Path.Combine("runs", sweep.Profile.Name);
            var poslf = ShardArguments.Poslf();
            var jobs = new SlurmJobs(ShardArguments.ForSlurmTask(runArguments, Path.GetFullPath(root).TrimEnd('/')), ShardArguments.ForMerge, shardCount, root, Environment.CurrentDirectory)
            {
                Partition = parse.GetValue(partition),
                Gres = parse.GetValue(gres),
                Time = parse.GetValue(time),
                MaxParallel = parse.GetValue(maxParallel),
                CpusPerTask = parse.GetValue(cpus),
                ExtraSbatch = parse.GetValue(sbatchOptions) ?? [],
                Specs = parse.GetValue(specs) ? SpecsFor(sweep, poslf) : null,
            };
            if (parse.GetValue(dryRun))
            {
                Console.WriteLine($"# {jobs.SweepScriptPath}");
                Console.Write(jobs.SweepScript());
                Console.WriteLine($"# {jobs.MergeScriptPath}");
                Console.Write(jobs.MergeScript());
                Console.WriteLine("# submitted as:");
                Console.WriteLine("sbatch " + SlurmJobs.Command(jobs.SweepSubmitArguments()));
                Console.WriteLine("sbatch " + SlurmJobs.Command(jobs.MergeSubmitArguments("<array job id>")));
                return 0;
            }
            var submission = SlurmSubmitter.Submit(jobs, RunSbatch);
            var (array, merge) = (submission.ArrayJobId, submission.MergeJobId);
            var limit = jobs.MaxParallel is { } k ? $", at most {k} at once" : "";
            Console.WriteLine($"poslf slurm submit: {sweep.Runs} run(s) in {shardCount} shard(s), profile {sweep.Profile.Name}, device {sweep.Device}");
            Console.WriteLine($"array job: {array} ({shardCount} task(s){limit})");
            Console.WriteLine($"merge job: {merge} (starts when every task of {array} succeeded)");
            Console.WriteLine($"  task logs     {jobs.LogDir}/sweep-{array}_<task>.out");
            Console.WriteLine($"  shard results {jobs.ShardsDir}/shard-<task>/");
            Console.WriteLine($"  merge log     {jobs.MergeLog(merge)}");
            Console.WriteLine($"  results       {jobs.MergedDir}/ (summary.md, summary.json, result.png, tradeoff.png, curves.png)");
            Console.WriteLine($"  watch         squeue -j {array},{merge}   sacct -j {array},{merge}");
            return 0;
        });
        return command;
    }

    private sealed record SweepShape(int Runs, TrainingProfile Profile, string Device, string Model, string? DataDir, bool WholeStudyWithDefaultSeeds);

    /// <summary>
    /// Checks the pass-through options as <c>poslf run</c> parses them and counts the runs, so a mistake fails here
    /// rather than in every task. The count is configs × seeds, planned as <c>run</c> plans them.
    /// </summary>
    private static SweepShape PlanSweep(string[] runArguments)
    {
        var options = new RunOptions(new Option<string?>("--data-dir"));
        var parsed = RunCommands.CreateRun(options).Parse(runArguments);
        if (parsed.Errors.Count > 0)
            throw new UsageException(parsed.Errors[0].Message.TrimEnd('.'), "poslf run options: " + string.Join(' ', runArguments));
        var request = options.ToRequest(parsed);
        if (request.Configs is not null && request.Suite is not null)
            throw new InvalidFieldException(["suite", "configs"], "give a suite or a list of configurations, not both");
        var design = Study.Design(request);
        var layers = design.Source.Config.NumLayers;
        var configs = design.Configs.Select(c => FreezePlan.Parse(c, layers).Name).Distinct().ToArray();
        var seeds = design.Seeds.Distinct().ToArray();
        var profile = request.Profile;
        var study = Suites.Expand("study", layers).Select(p => p.Name).ToArray();
        var whole = configs.Order(StringComparer.Ordinal).SequenceEqual(study.Order(StringComparer.Ordinal))
            && seeds.Order().SequenceEqual(profile.DefaultSeeds.Order());
        return new SweepShape(configs.Length * seeds.Length, profile, request.Device, request.Model, request.DataDir, whole);
    }

    private static SpecsCheck SpecsFor(SweepShape sweep, string[] poslf)
    {
        if (!sweep.WholeStudyWithDefaultSeeds)
            throw new UsageException($"the specs check the whole study with the {sweep.Profile.Name} profile's seeds ({string.Join(',', sweep.Profile.DefaultSeeds)}); this sweep is not that, so there is nothing for them to check", "--specs");
        // The specs project of the clone this poslf was built in (bin/Release/net10.0 lies inside the clone).
        var project = FindSpecsProject(AppContext.BaseDirectory)
            ?? throw new UsageException($"no specs/POSLayerFreeze.Specs above {AppContext.BaseDirectory}: --specs needs poslf run from a clone's build output", "--specs");
        var dotnet = Path.GetFileNameWithoutExtension(poslf[0]) == "dotnet" ? poslf[0] : "dotnet";
        var dataDir = sweep.DataDir is { } d ? Path.GetFullPath(d) : null;
        return new SpecsCheck(dotnet, project, sweep.Profile.Name, sweep.Device, sweep.Model, dataDir);
    }

    private static string? FindSpecsProject(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "specs", "POSLayerFreeze.Specs");
            if (File.Exists(Path.Combine(candidate, "POSLayerFreeze.Specs.csproj"))) return candidate;
        }
        return null;
    }

    private static SbatchResult RunSbatch(IReadOnlyList<string> arguments)
    {
        var psi = new ProcessStartInfo("sbatch") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            return new SbatchResult(process.ExitCode, stdout.Result, stderr.Result);
        }
        catch (Win32Exception)
        {
            throw new SlurmSubmitException("sbatch not found on PATH: submit from a Slurm login node, or see the scripts with --dry-run (sbatch)");
        }
    }
}
