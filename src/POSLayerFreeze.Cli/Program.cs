using System.CommandLine;
using POSLayerFreeze.Cli;
using POSLayerFreeze.Cli.Commands;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;

// A --parallel child dies with its parent, however the parent dies: asked of the kernel before any work.
ProcessLifetime.DieWithParentIfChild();

// Ctrl+C and SIGTERM become one cancellation from here on, before anything slow can start (see InterruptSignals).
using var interrupts = InterruptSignals.Register();

// Before anything touches TorchSharp: on Debian 12 its native binding needs the libstdc++ shim.
NativeCompat.EnsureLoaded();

var dataDir = new Option<string?>("--data-dir") { Description = "Folder with en_ewt-ud-{train,dev,test}.conllu[.gz] (else $POSLF_DATA_DIR, else the per-user cache)." };

var root = new RootCommand("poslf — layer-freezing experiments for transformer POS taggers (UD English EWT).");
// Read by CliErrors from the raw arguments (an error may come before or during parsing); declared so help lists it.
root.Options.Add(new Option<bool>(CliErrors.VerboseFlag) { Description = "Show the stack trace of an error.", Recursive = true });
root.Subcommands.Add(DoctorCommand.Create(EnvironmentChecks.All, dataDir));
root.Subcommands.Add(RunCommands.CreateRun(dataDir));
root.Subcommands.Add(RunCommands.CreateReport());
root.Subcommands.Add(CompareCommand.Create());
root.Subcommands.Add(ParityCommand.Create(dataDir));
root.Subcommands.Add(RunCommands.CreateMerge());
root.Subcommands.Add(MigrateCommand.Create());
root.Subcommands.Add(SlurmCommands.Create());
root.Subcommands.Add(TagCommand.Create());
root.Subcommands.Add(ProbeCommand.Create(dataDir));
root.Subcommands.Add(GoldenCommands.CreateApprove());
root.Subcommands.Add(GoldenCommands.CreateGolden());
root.Subcommands.Add(DataCommands.Create());
root.Subcommands.Add(ProfileCommands.Create());
root.Subcommands.Add(TokenizeCommand.Create(() =>
{
    var model = ModelCatalog.Resolve(ModelCatalog.DefaultModel);
    return (model.VocabPath, model.Lowercase);
}));
return CliErrors.Invoke(root, args, Console.Error, interrupts.Token);
