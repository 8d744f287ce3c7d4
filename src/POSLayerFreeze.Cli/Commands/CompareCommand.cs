using System.CommandLine;
using POSLayerFreeze.Reporting;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Cli.Commands;

/// <summary><c>poslf compare</c>: one study on several encoders, which of the seed README's claims hold on all.</summary>
internal static class CompareCommand
{
    public static Command Create()
    {
        var dirs = new Argument<string[]>("dirs") { Description = "Results folders of the same study on different encoders (each with summary.json)", Arity = ArgumentArity.OneOrMore };
        var outFile = new Option<string?>("--out") { Description = $"Also write the comparison to this markdown file (e.g. {EncoderComparison.MarkdownFile})" };
        var command = new Command("compare", "Compare one study run on several encoders: test accuracy per configuration side by side, and which claims hold on every encoder.");
        command.Arguments.Add(dirs);
        command.Options.Add(outFile);
        command.SetAction(parse =>
        {
            // As given (relative stays relative), so a comparison committed beside its studies names them portably.
            var folders = parse.GetValue(dirs)!;
            if (folders.Length < 2) throw new UsageException("give at least two results folders, one per encoder", "dirs");
            var markdown = EncoderComparison.Markdown(EncoderComparison.Read(folders));
            if (parse.GetValue(outFile) is { } path) AtomicFile.WriteAllText(Path.GetFullPath(path), markdown);
            Console.Out.Write(markdown);
            return 0;
        });
        return command;
    }
}
