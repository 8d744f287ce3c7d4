using System.CommandLine;
using POSLayerFreeze.Golden;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Cli.Commands;

/// <summary><c>poslf approve</c> and <c>poslf golden status</c>: thin layers over <see cref="GoldenStore"/>.</summary>
public static class GoldenCommands
{
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
            var names = parseResult.GetValue(experiments) ?? [];
            var approveAll = parseResult.GetValue(all);
            if (approveAll == (names.Length > 0)) throw new UsageException("name the experiments to approve, or pass --all (not both)", "--all");
            // Errors (nothing received, an unreadable snapshot) reach CliErrors, which writes the one error line.
            var store = LocateExisting(parseResult.GetValue(goldenDir));
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
            var store = LocateExisting(parseResult.GetValue(goldenDir));
            var check = store.Validate();
            var pending = store.Pending();
            if (pending.Count == 0) output.WriteLine($"No received snapshots pending in {store.Root}.");
            else
            {
                output.WriteLine($"{pending.Count} received snapshot(s) pending in {store.Root}:");
                foreach (var p in pending)
                    output.WriteLine($"  {p.Profile}/{p.Backend}/{p.Experiment} ({(p.HasVerified ? "differs from verified" : "no verified yet")})");
            }
            output.WriteLine($"{check.Verified} verified and {check.Received} received snapshot(s) read, {check.Invalid.Count} invalid.");
            if (check.Invalid.Count == 0) return 0;
            // One error line (the first file); the others are listed on stdout so one run shows the user all of them.
            foreach (var other in check.Invalid.Skip(1)) output.WriteLine($"  also invalid: {other.Problem}");
            var more = check.Invalid.Count > 1 ? $"; {check.Invalid.Count - 1} more invalid golden file(s) listed above" : "";
            throw new InvalidDataException(check.Invalid[0].Problem + more);
        });
        var golden = new Command("golden", "Golden snapshot store (received/verified).");
        golden.Subcommands.Add(status);
        return golden;
    }

    /// <summary>
    /// The store, refusing a folder that does not exist: an empty listing for a mistyped <c>--golden-dir</c> would
    /// read as "nothing pending" when nothing was looked at. The refusal names where the folder came from.
    /// </summary>
    private static GoldenStore LocateExisting(string? goldenDir)
    {
        var store = GoldenStore.Locate(goldenDir);
        if (Directory.Exists(store.Root)) return store;
        var what = File.Exists(store.Root) ? $"{store.Root} is a file, not a folder" : $"no such folder: {store.Root}";
        if (!string.IsNullOrWhiteSpace(goldenDir)) throw new UsageException(what, "--golden-dir");
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(GoldenStore.EnvironmentVariable)))
            throw new UsageException(what, "$" + GoldenStore.EnvironmentVariable);
        throw new DirectoryNotFoundException($"{what} (the default golden folder beside POSLayerFreeze.sln; pass --golden-dir)");
    }

    private static Option<string?> GoldenDirOption() => new("--golden-dir")
    {
        Description = $"The golden folder (default: ${GoldenStore.EnvironmentVariable}, else golden/ beside POSLayerFreeze.sln).",
    };
}
