namespace POSLayerFreeze.Runtime;

/// <summary>
/// A value the caller gave is unusable, named by its field in the library's own words (<c>learning_rate</c>,
/// <c>shard</c>, <c>max_parallel</c>), never by a command-line option: the CLI translates fields to its flags in one
/// table (and answers with exit code 2). The message reads <c>problem (field)</c> for callers without a CLI.
/// </summary>
public sealed class InvalidFieldException : ArgumentException
{
    public InvalidFieldException(string field, string problem) : this([field], problem, null) { }

    /// <param name="fields">More than one when the values only conflict together (a shard that would run in parallel).</param>
    public InvalidFieldException(IReadOnlyList<string> fields, string problem, Exception? innerException = null)
        : base($"{problem} ({string.Join(", ", fields ?? [])})", innerException)
    {
        ArgumentNullException.ThrowIfNull(fields);
        Fields = fields;
        Problem = problem;
    }

    public InvalidFieldException() : this("value", "invalid value") { }

    public InvalidFieldException(string message) : this("value", message) { }

    public InvalidFieldException(string message, Exception innerException) : this(["value"], message, innerException) { }

    /// <summary>The fields at fault, in the library's names.</summary>
    public IReadOnlyList<string> Fields { get; }

    /// <summary>What is wrong, without the field.</summary>
    public string Problem { get; }

    /// <summary>Runs <paramref name="parse"/>; a FormatException or ArgumentException (or an <paramref name="also"/>) becomes
    /// an error naming <paramref name="field"/>, the original kept as the inner exception.</summary>
    public static T Wrap<T>(string field, Func<T> parse, Type? also = null)
    {
        ArgumentNullException.ThrowIfNull(parse);
        try
        {
            return parse();
        }
        catch (Exception e) when (e is FormatException or ArgumentException && e is not InvalidFieldException || (also is not null && also.IsInstanceOfType(e)))
        {
            throw new InvalidFieldException([field], e.Message, e);
        }
    }
}
