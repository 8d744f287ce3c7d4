using System.Globalization;

namespace POSLayerFreeze.Data;

/// <summary>
/// Streams sentences from a CoNLL-U file (plain or gzip, detected from the content; UTF-8 with optional BOM; LF or
/// CRLF). Everything the harness relies on is validated and any violation stops reading with a
/// <see cref="ConlluFormatException"/> naming file, line and problem: no sentence is ever skipped silently.
/// </summary>
public static class ConlluReader
{
    private static readonly string[] ColumnNames =
        ["ID", "FORM", "LEMMA", "UPOS", "XPOS", "FEATS", "HEAD", "DEPREL", "DEPS", "MISC"];

    /// <param name="untagged">Input to be tagged: UPOS and HEAD may be <c>_</c> (such a word gets
    /// <see cref="ConlluWord.UposId"/> −1); everything else is validated as for gold files.</param>
    /// <param name="name">The name errors give the file (e.g. <c>&lt;stdin&gt;</c>); the path by default.</param>
    public static IEnumerable<ConlluSentence> Read(string path, bool untagged = false, string? name = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return ReadIterator(path, untagged, name ?? path);
    }

    private static IEnumerable<ConlluSentence> ReadIterator(string path, bool untagged, string name)
    {
        using var source = new ConlluLineSource(path, name);
        var builder = new SentenceBuilder(name, untagged);
        int sentences = 0;
        while (source.ReadLine() is { } line)
        {
            int lineNumber = source.LineNumber;
            if (line.Length == 0)
            {
                yield return builder.Finish(lineNumber);
                sentences++;
                continue;
            }
            builder.Add(line, lineNumber);
        }
        if (builder.HasContent)
            throw new ConlluFormatException(path, source.LineNumber, "missing blank line after the last sentence");
        if (sentences == 0)
        {
            throw new ConlluFormatException(path, source.LineNumber,
                source.BytesRead == 0 ? "file is empty" : "file holds no sentences");
        }
    }

    private sealed class SentenceBuilder(string file, bool untagged)
    {
        private readonly List<string> _lines = [];
        private readonly List<ConlluWord> _words = [];
        private readonly List<int> _wordLineIndexes = [];
        private readonly List<(int Head, int Line)> _heads = [];
        private int _firstLine;
        private int _lastWord;
        private int _lastEmptyNode;
        private (int Start, int End, int Line) _lastRange;

        public bool HasContent => _lines.Count > 0;

        public void Add(string line, int lineNumber)
        {
            if (_lines.Count == 0) _firstLine = lineNumber;
            if (string.IsNullOrWhiteSpace(line)) Fail(lineNumber, "line holds only whitespace");
            if (line[0] == '#')
            {
                if (_lines.Count > 0 && !_lines[^1].StartsWith('#'))
                    Fail(lineNumber, "comment line after the word lines of a sentence");
                _lines.Add(line);
                return;
            }

            var cols = line.Split('\t');
            if (cols.Length != 10) Fail(lineNumber, $"expected 10 tab-separated columns, found {cols.Length}");
            for (int c = 0; c < cols.Length; c++)
            {
                if (cols[c].Length == 0) Fail(lineNumber, $"column {c + 1} ({ColumnNames[c]}) is empty");
                if (c is not (1 or 2 or 9) && cols[c].Trim().Length != cols[c].Length)
                    Fail(lineNumber, $"column {c + 1} ({ColumnNames[c]}) has leading or trailing whitespace");
                // A NUL or other control character in a word is never text: a corrupt file, and the tokenizer would
                // silently drop it (the word then tagged from [UNK]).
                if (c is 1 or 2 && IndexOfControl(cols[c]) is var at and >= 0)
                    Fail(lineNumber, string.Create(CultureInfo.InvariantCulture,
                        $"column {c + 1} ({ColumnNames[c]}) holds control character U+{(int)cols[c][at]:X4} at character {at + 1}"));
            }

            var id = cols[0];
            int dash = id.IndexOf('-', StringComparison.Ordinal);
            int dot = id.IndexOf('.', StringComparison.Ordinal);
            if (dash >= 0)
                AddRange(id, dash, cols, lineNumber);
            else if (dot >= 0)
                AddEmptyNode(id, dot, cols, lineNumber);
            else
                AddWord(id, cols, lineNumber);
            _lines.Add(line);
        }

        private void AddWord(string idText, string[] cols, int lineNumber)
        {
            if (!TryParsePositive(idText, out int id)) Fail(lineNumber, $"invalid ID '{idText}': expected a word number, a range like 3-4 or an empty node like 8.1");
            if (id != _lastWord + 1) Fail(lineNumber, $"word ID {id} out of sequence: expected {_lastWord + 1}");
            var upos = cols[3];
            int uposId = -1;
            if (!(untagged && upos == "_") && !Upos.TryGetId(upos, out uposId))
                Fail(lineNumber, $"unknown UPOS '{upos}' (expected one of the 17 UD tags{(untagged ? " or _" : "")})");
            if (!(untagged && cols[6] == "_"))
            {
                if (!TryParseNonNegative(cols[6], out int head))
                    Fail(lineNumber, $"HEAD '{cols[6]}' of word {id} is not a non-negative integer");
                if (head == id) Fail(lineNumber, $"word {id} is its own HEAD");
                _heads.Add((head, lineNumber));
            }
            _lastWord = id;
            _lastEmptyNode = 0;
            _wordLineIndexes.Add(_lines.Count);
            _words.Add(new ConlluWord(id, cols[1], upos, uposId, lineNumber));
        }

        private void AddRange(string idText, int dash, string[] cols, int lineNumber)
        {
            bool valid = TryParsePositive(idText[..dash], out int start);
            valid &= TryParsePositive(idText[(dash + 1)..], out int end);
            if (!valid)
                Fail(lineNumber, $"invalid multiword token range '{idText}'");
            if (end <= start) Fail(lineNumber, $"multiword token range {idText} must span at least two words (start < end)");
            if (start != _lastWord + 1)
                Fail(lineNumber, $"multiword token range {idText} must come right before word {start}; the next word is {_lastWord + 1}");
            if (_lastRange.End >= start) Fail(lineNumber, $"multiword token range {idText} overlaps range {_lastRange.Start}-{_lastRange.End}");
            if (cols[3] != "_") Fail(lineNumber, $"multiword token range {idText} must have '_' as UPOS, found '{cols[3]}'");
            _lastRange = (start, end, lineNumber);
        }

        private void AddEmptyNode(string idText, int dot, string[] cols, int lineNumber)
        {
            bool valid = TryParseNonNegative(idText[..dot], out int after);
            valid &= TryParsePositive(idText[(dot + 1)..], out int index);
            if (!valid)
                Fail(lineNumber, $"invalid empty node ID '{idText}'");
            if (after != _lastWord)
                Fail(lineNumber, $"empty node {idText} must follow word {after}, but the last word is {_lastWord}");
            if (index != _lastEmptyNode + 1)
                Fail(lineNumber, $"empty node {idText} out of sequence: expected {after}.{_lastEmptyNode + 1}");
            if (cols[3] != "_" && !Upos.TryGetId(cols[3], out _))
                Fail(lineNumber, $"unknown UPOS '{cols[3]}' on empty node {idText}");
            _lastEmptyNode = index;
        }

        public ConlluSentence Finish(int blankLineNumber)
        {
            if (_lines.Count == 0) Fail(blankLineNumber, "blank line where a sentence should start (two blank lines in a row?)");
            if (_words.Count == 0) Fail(_firstLine, "sentence has no word lines");
            if (_lastRange.End > _lastWord)
                Fail(_lastRange.Line, $"multiword token range {_lastRange.Start}-{_lastRange.End} extends past the last word {_lastWord}");
            foreach (var (head, line) in _heads)
            {
                if (head > _lastWord) Fail(line, $"HEAD {head} points past the last word {_lastWord}");
            }
            var sentence = new ConlluSentence([.. _lines], [.. _words], [.. _wordLineIndexes], _firstLine);
            _lines.Clear();
            _words.Clear();
            _wordLineIndexes.Clear();
            _heads.Clear();
            _lastWord = 0;
            _lastEmptyNode = 0;
            _lastRange = default;
            return sentence;
        }

        [System.Diagnostics.CodeAnalysis.DoesNotReturn]
        private void Fail(int line, string problem) => throw new ConlluFormatException(file, line, problem);

        /// <summary>The first C0 control (U+0000–U+001F), DEL or C1 control (U+007F–U+009F), or -1.</summary>
        private static int IndexOfControl(string text)
        {
            var c0 = text.AsSpan().IndexOfAnyInRange('\u0000', '\u001F');
            var c1 = text.AsSpan().IndexOfAnyInRange('\u007F', '\u009F');
            return c0 < 0 ? c1 : c1 < 0 ? c0 : Math.Min(c0, c1);
        }
    }

    // Plain decimal digits only: "+1", " 1", "01" and "1e0" are not CoNLL-U IDs.
    private static bool TryParsePositive(string text, out int value) =>
        TryParseNonNegative(text, out value) && value > 0;

    private static bool TryParseNonNegative(string text, out int value)
    {
        value = 0;
        if (text.Length == 0 || text.Length > 9 || (text.Length > 1 && text[0] == '0')) return false;
        foreach (var ch in text)
        {
            if (ch is < '0' or > '9') return false;
        }
        value = int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        return true;
    }
}
