using System.CommandLine;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Reporting;

namespace POSLayerFreeze.Cli.Commands;

/// <summary><c>poslf migrate DIR</c>: a results folder's metrics.json and summary.json rewritten in the current schema.</summary>
public static class MigrateCommand
{
    public static Command Create()
    {
        var dir = new Argument<string>("dir") { Description = "A results folder written by poslf run or poslf merge (of any version)" };
        var command = new Command("migrate",
            "Rewrite a results folder's metrics.json and summary.json in the current schema (same values, same inputs hashes: runs still resume). Optional: older folders are read as they are.");
        command.Arguments.Add(dir);
        command.SetAction(parse =>
        {
            var outDir = Path.GetFullPath(parse.GetValue(dir)!);
            var report = ResultsMigration.Migrate(outDir);
            foreach (var bad in report.Rejected)
                Console.Error.WriteLine($"poslf: warning: {bad.Problem} ({bad.File}); not a finished run, left as it is");
            Console.WriteLine($"migrate: {report.RunsRewritten} run(s) rewritten, {report.RunsCurrent} already current"
                + (report.SummaryRewritten ? $", {Summary.JsonFile} rewritten" : "") + $" in {outDir}");
            return 0;
        });
        return command;
    }
}
