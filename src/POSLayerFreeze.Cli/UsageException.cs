namespace POSLayerFreeze.Cli;

/// <summary>
/// A mistake in how poslf was called, as opposed to bad input content: the CLI answers it with exit code 2. The
/// message reads <c>what (--option)</c>, so the user sees which option to change.
/// </summary>
public sealed class UsageException : ArgumentException
{
    public UsageException(string what, string option) : base($"{what} ({option})")
    {
        What = what;
        Option = option;
    }

    public UsageException() : this("invalid usage", "see poslf --help") { }

    public UsageException(string message) : this(message, "see poslf --help") { }

    public UsageException(string message, Exception innerException) : base(message, innerException)
    {
        What = message;
        Option = "";
    }

    public string What { get; }
    public string Option { get; }
}
