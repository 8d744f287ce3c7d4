using System.CommandLine;
using POSLayerFreeze.Golden;

namespace POSLayerFreeze.Cli.Commands;

/// <summary><c>poslf approve</c> and <c>poslf golden status</c>: thin layers over <see cref="GoldenStore"/>.</summary>
public static class GoldenCommands
{
    private const int Refused = 1;
    private const int UsageError = 2;

    /// <summary><c>poslf approve [--profile P] [--backend B] [experiment…|--all] [--golden-dir D]</c>.</summary>
    public static Command CreateApprove()
    {
        var profile = new Option<string?>("--profile") { Description = "Only snapshots of this profile (smoke, full)." };
        var backend = new Option<string?>("--backend") { Description = "Only snapshots of this backend (cpu, cuda)." };
        var all = new Option<bool>("--all") { Description = "Approve every pending received snapshot." };
        var goldenDir = GoldenDirOption();
        var experiments = new Argument<string[]>("experiment")
        {
            Arity = ArgumentArity.ZeroOrMore,
            Description = "Experiments whose received snapshot becomes the verified one.",
        };
        var command = new Command("approve", "Promote received golden snapshots to verified and print what changed.");
        command.Options.Add(profile);
        command.Options.Add(backend);
        command.Options.Add(all);
        command.Options.Add(goldenDir);
        command.Arguments.Add(experiments);
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var names = parseResult.GetValue(experiments) ?? [];
            var approveAll = parseResult.GetValue(all);
            if (approveAll == (names.Length > 0))
            {
                error.WriteLine("Name the experiments to approve, or pass --all (not both).");
                return UsageError;
            }
            try
            {
                var store = GoldenStore.Locate(parseResult.GetValue(goldenDir));
                var approvals = approveAll
                    ? store.ApproveAll(parseResult.GetValue(profile), parseResult.GetValue(backend))
                    : store.Approve(parseResult.GetValue(profile), parseResult.GetValue(backend), names);
                foreach (var approval in approvals)
                {
                    output.WriteLine($"{approval.Profile}/{approval.Backend}/{approval.Experiment}: {(approval.WasNew ? "new golden" : "approved")}");
                    foreach (var change in approval.Changes) output.WriteLine($"  {change}");
                }
                output.WriteLine($"{approvals.Count} snapshot(s) approved; say why in the commit message.");
                return 0;
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or DirectoryNotFoundException)
            {
                error.WriteLine(e.Message);
                return Refused;
            }
        });
        return command;
    }

    /// <summary><c>poslf golden status [--golden-dir D]</c>: the received snapshots waiting for approval.</summary>
    public static Command CreateGolden()
    {
        var goldenDir = GoldenDirOption();
        var status = new Command("status", "List received golden snapshots waiting for approval.");
        status.Options.Add(goldenDir);
        status.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            try
            {
                var store = GoldenStore.Locate(parseResult.GetValue(goldenDir));
                var pending = store.Pending();
                if (pending.Count == 0)
                {
                    output.WriteLine($"No received snapshots pending in {store.Root}.");
                    return 0;
                }
                output.WriteLine($"{pending.Count} received snapshot(s) pending in {store.Root}:");
                foreach (var p in pending)
                    output.WriteLine($"  {p.Profile}/{p.Backend}/{p.Experiment} ({(p.HasVerified ? "differs from verified" : "no verified yet")})");
                return 0;
            }
            catch (DirectoryNotFoundException e)
            {
                parseResult.InvocationConfiguration.Error.WriteLine(e.Message);
                return Refused;
            }
        });
        var golden = new Command("golden", "Golden snapshot store (received/verified).");
        golden.Subcommands.Add(status);
        return golden;
    }

    private static Option<string?> GoldenDirOption() => new("--golden-dir")
    {
        Description = $"The golden folder (default: ${GoldenStore.EnvironmentVariable}, else golden/ beside POSLayerFreeze.sln).",
    };
}
