namespace POSLayerFreeze.Data;

/// <summary>A CoNLL-U input that breaks the format; the message reads <c>FILE:LINE: problem</c>.</summary>
public sealed class ConlluFormatException : FormatException
{
    public ConlluFormatException(string file, int line, string problem)
        : base($"{file}:{line.ToString(System.Globalization.CultureInfo.InvariantCulture)}: {problem}")
    {
        File = file;
        Line = line;
        Problem = problem;
    }

    public ConlluFormatException() : this("(unknown)", 0, "malformed CoNLL-U") { }

    public ConlluFormatException(string message) : this("(unknown)", 0, message) { }

    public ConlluFormatException(string message, Exception innerException) : base(message, innerException)
    {
        File = "(unknown)";
        Problem = message;
    }

    public ConlluFormatException(string file, int line, string problem, Exception innerException)
        : base($"{file}:{line.ToString(System.Globalization.CultureInfo.InvariantCulture)}: {problem}", innerException)
    {
        File = file;
        Line = line;
        Problem = problem;
    }

    public string File { get; }
    public int Line { get; }
    public string Problem { get; }
}
