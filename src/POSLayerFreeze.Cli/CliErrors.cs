using System.CommandLine;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using POSLayerFreeze.Data;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Cli;

/// <summary>
/// The one error style of poslf: <c>poslf: error: &lt;what&gt; (&lt;file&gt;:&lt;line&gt; or --option)</c> on stderr, exit 2
/// for a usage mistake, 1 for a failure, and no stack trace unless <c>--verbose</c>. Library messages lead with
/// their location (<c>PATH: problem</c>, <c>--option 'x': problem</c>); here it moves to the end, so every
/// message reads the same way.
/// </summary>
internal static partial class CliErrors
{
    public const int Failure = 1;
    public const int Usage = 2;
    public const int Interrupted = 130;
    public const string VerboseFlag = "--verbose";

    /// <param name="interrupt">Cancelled by SIGINT/SIGTERM (<see cref="InterruptSignals"/>); reaches every action.</param>
    public static int Invoke(RootCommand root, string[] args, TextWriter error, CancellationToken interrupt)
    {
        var verbose = args.Contains(VerboseFlag, StringComparer.Ordinal);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) error.WriteLine($"poslf: error: {e.Message.TrimEnd('.')} (see poslf --help)");
            return Usage;
        }
        try
        {
            // No ProcessTerminationTimeout: System.CommandLine's own handler would only be registered once the
            // (synchronous) action has finished; InterruptSignals handles the signals for the whole process.
            var configuration = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
            return parse.InvokeAsync(configuration, interrupt).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            return Report(e, verbose, error);
        }
    }

    /// <summary>Writes one error line for <paramref name="exception"/> (its stack trace too with --verbose); returns the exit code.</summary>
    public static int Report(Exception exception, bool verbose, TextWriter error)
    {
        var e = Unwrap(exception);
        if (e is OperationCanceledException)
        {
            error.WriteLine("poslf: interrupted; finished runs are kept, the run in progress reruns next time");
            return Interrupted;
        }
        var known = IsKnown(e);
        // A library error names a field (learning_rate); the user typed a flag (--lr).
        var text = e is InvalidFieldException field ? FieldFlags.Describe(field) : Describe(e);
        if (!known) text = $"internal error: {e.GetType().Name}: {text}{(verbose ? "" : $" (run again with {VerboseFlag} for the stack trace)")}";
        error.WriteLine($"poslf: error: {text}");
        if (verbose) error.WriteLine(e.ToString());
        return e is UsageException or InvalidFieldException ? Usage : Failure;
    }

    /// <summary>The message with its location last: <c>problem (file:line)</c> or <c>problem (--option)</c>.</summary>
    public static string Describe(Exception e)
    {
        if (e is ConlluFormatException { File: not "(unknown)" } c)
            return $"{c.Problem} ({c.File}:{c.Line.ToString(System.Globalization.CultureInfo.InvariantCulture)})";
        var message = e.Message;
        var newline = message.IndexOf('\n', StringComparison.Ordinal);
        var first = newline < 0 ? message : message[..newline];
        var rest = newline < 0 ? "" : message[newline..];
        var match = LeadingLocation().Match(first);
        if (match.Success) first = $"{match.Groups["what"].Value.TrimEnd('.')} ({match.Groups["where"].Value})";
        return first + rest;
    }

    private static Exception Unwrap(Exception e)
    {
        while (true)
        {
            switch (e)
            {
                case AggregateException { InnerExceptions.Count: 1 } a:
                    e = a.InnerExceptions[0];
                    continue;
                case TargetInvocationException { InnerException: { } inner }:
                    e = inner;
                    continue;
                default:
                    return e;
            }
        }
    }

    /// <summary>Exceptions the harness throws on purpose, with a message meant for the user.</summary>
    private static bool IsKnown(Exception e) => e is IOException or InvalidDataException or UnauthorizedAccessException or FormatException or JsonException
        or ArgumentException or InvalidOperationException or CheckpointFormatException or CheckpointMismatchException
        or HttpRequestException or NonFiniteLossException;

    // "PATH: problem", "PATH:LINE: problem" (a path holds a '/') or "--option 'value': problem".
    [GeneratedRegex(@"^(?<where>(?:[^\s:]*/[^\s:]*(?::\d+)?)|(?:--[a-z0-9-]+(?: '[^']*')?)): (?<what>.+)$")]
    private static partial Regex LeadingLocation();
}
