using System.Diagnostics;
using System.Text;
using POSLayerFreeze.Data;
using POSLayerFreeze.Models;
using POSLayerFreeze.Tokenization;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Experiments;

/// <summary>How <see cref="Tagging.Tag"/> reads its input.</summary>
public enum TagInputFormat
{
    /// <summary>From the name (.conllu, .conllu.gz, .txt), else from the content (gzip, or a first line that is a comment or a word row).</summary>
    Auto,
    Conllu,
    /// <summary>One sentence per line, split into words like Hugging Face's BERT pre-tokenizer; blank lines skipped.</summary>
    Text,
}

/// <summary>What a tagging pass did. <see cref="Accuracy"/>: against the input's own UPOS when every word had one.</summary>
/// <param name="Correct">Words whose predicted UPOS equals the input's, when <see cref="Accuracy"/> is known.</param>
public sealed record TagResult(TagInputFormat Format, int Sentences, int Words, double Seconds, double? Accuracy, int? Correct = null)
{
    public double WordsPerSecond => Seconds > 0 ? Words / Seconds : 0;
}

/// <summary>
/// <c>poslf tag</c>: tags a CoNLL-U file (written back with only UPOS replaced) or plain text (written as CoNLL-U).
/// The whole input is tagged in one <see cref="Predictor"/> pass with the window length and batch size of the run's
/// evaluation, so a saved tagger on the test file reproduces the run's test predictions bit for bit.
/// </summary>
public static class Tagging
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <param name="name">The input's name in messages and errors (<c>&lt;stdin&gt;</c> for a copied stream).</param>
    /// <param name="progress">(batches done, batches in all), before each batch.</param>
    public static TagResult Tag(LoadedTagger tagger, string path, string name, TagInputFormat format, TextWriter output, int batchSize = 64,
        Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(tagger);
        ArgumentNullException.ThrowIfNull(output);
        var resolved = format == TagInputFormat.Auto ? Detect(path, name) : format;
        var clock = Stopwatch.StartNew();
        if (resolved == TagInputFormat.Conllu)
        {
            var sentences = ConlluReader.Read(path, untagged: true, name).ToArray();
            var predicted = Predict(tagger, sentences.Select(s => s.Forms()).ToArray(), batchSize, progress);
            var seconds = clock.Elapsed.TotalSeconds;
            // All but UPOS untouched: a byte-order mark and CRLF line endings too.
            var (bom, newline) = Layout(path);
            if (bom) output.Write('\uFEFF');
            for (var s = 0; s < sentences.Length; s++) ConlluWriter.WriteSentence(output, sentences[s], predicted[s], newline);
            var words = sentences.Sum(s => s.Words.Count);
            if (!sentences.All(s => s.Words.All(w => w.UposId >= 0))) return new TagResult(resolved, sentences.Length, words, seconds, null);
            var correct = sentences.Select((s, i) => s.Words.Where((w, j) => w.UposId == predicted[i][j]).Count()).Sum();
            return new TagResult(resolved, sentences.Length, words, seconds, (double)correct / words, correct);
        }
        var lines = ReadText(path, name);
        // A line of nothing the tokenizer keeps (whitespace, format characters) is no sentence, as a blank line is not.
        var split = lines.Select(l => (l.Line, Words: TextWords.Split(l.Text)))
            .Where(l => l.Words.Any(w => TextWords.IsKept(w.Form))).ToArray();
        if (split.Length == 0) throw new InvalidDataException($"{name}: no words (expected one sentence per line)");
        var tags = Predict(tagger, split.Select(l => l.Words.Select(w => w.Form).ToArray()).ToArray(), batchSize, progress);
        var elapsed = clock.Elapsed.TotalSeconds;
        for (var s = 0; s < split.Length; s++)
        {
            var words = split[s].Words;
            ConlluWriter.WriteTextSentence(output, split[s].Line.ToString(Runtime.Invariant.Culture), TextWords.Text(words),
                words.Select((w, i) => (w.Form, TextWords.Misc(words, i))).ToArray(), tags[s]);
        }
        return new TagResult(resolved, split.Length, split.Sum(l => l.Words.Count), elapsed, null);
    }

    private static int[][] Predict(LoadedTagger tagger, IReadOnlyList<string[]> sentences, int batchSize, Action<int, int>? progress)
    {
        var windows = sentences.Select(words => tagger.Tokenizer.Windows(words, new int[words.Length], tagger.MaxLength)).ToArray();
        return Predictor.Predict(tagger.Model, windows, sentences.Select(s => s.Length).ToArray(), batchSize, tagger.Tokenizer.PadId, progress);
    }

    /// <summary>Non-blank lines with their 1-based numbers; invalid UTF-8 and NUL bytes stop with file:line.</summary>
    private static List<(int Line, string Text)> ReadText(string path, string name)
    {
        var bytes = File.ReadAllBytes(path);
        var start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        var result = new List<(int, string)>();
        var line = 0;
        while (start <= bytes.Length)
        {
            var end = Array.IndexOf(bytes, (byte)'\n', start);
            if (end < 0) end = bytes.Length;
            line++;
            var span = bytes.AsSpan(start, end - start);
            if (span.Length > 0 && span[^1] == '\r') span = span[..^1];
            if (span.IndexOf((byte)0) >= 0) throw new InvalidDataException($"{name}:{line}: NUL byte (binary input? expected UTF-8 text or CoNLL-U)");
            string text;
            try
            {
                text = StrictUtf8.GetString(span);
            }
            catch (DecoderFallbackException e)
            {
                throw new InvalidDataException($"{name}:{line}: not valid UTF-8 (byte {e.Index + 1} of the line)", e);
            }
            // A control character cannot stand in a CoNLL-U FORM (the reader refuses it there too), and dropping it
            // would change the word: refused, naming where. A tab separates words like a space.
            var control = text.AsSpan().IndexOfAnyInRange('\u0000', '\u0008');
            foreach (var (from, to) in new[] { ('\u000A', '\u001F'), ('\u007F', '\u009F') })
                if (text.AsSpan().IndexOfAnyInRange(from, to) is var at and >= 0 && (control < 0 || at < control)) control = at;
            if (control >= 0)
                throw new InvalidDataException($"{name}:{line}: control character U+{(int)text[control]:X4} at character {control + 1} (a CoNLL-U word cannot hold it)");
            if (text.Trim().Length > 0) result.Add((line, text));
            start = end + 1;
        }
        return result;
    }

    /// <summary>Whether the (decompressed) input starts with a UTF-8 byte-order mark, and its first line's ending.</summary>
    private static (bool Bom, string NewLine) Layout(string path)
    {
        using var file = File.OpenRead(path);
        var magic = new byte[2];
        var gzip = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        file.Position = 0;
        using var content = gzip ? new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress) : (Stream)file;
        var head = new byte[1 << 16];
        var read = content.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var lf = Array.IndexOf(head, (byte)'\n', 0, read);
        return (head.AsSpan(0, read).StartsWith("\uFEFF"u8), lf > 0 && head[lf - 1] == '\r' ? "\r\n" : "\n");
    }

    private static TagInputFormat Detect(string path, string name)
    {
        if (name.EndsWith(".conllu", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".conllu.gz", StringComparison.OrdinalIgnoreCase))
            return TagInputFormat.Conllu;
        if (name.EndsWith(".txt", StringComparison.OrdinalIgnoreCase)) return TagInputFormat.Text;
        using var stream = File.OpenRead(path);
        var head = new byte[4096];
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (read >= 2 && head[0] == 0x1f && head[1] == 0x8b) return TagInputFormat.Conllu;
        var text = Encoding.UTF8.GetString(head, 0, read).TrimStart('\uFEFF');
        var first = text.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => l.Trim().Length > 0) ?? "";
        var id = first.Split('\t')[0];
        var looksLikeRow = first.Contains('\t', StringComparison.Ordinal) && id.Length > 0 && id.All(c => char.IsAsciiDigit(c) || c is '-' or '.');
        return first.StartsWith('#') || looksLikeRow ? TagInputFormat.Conllu : TagInputFormat.Text;
    }
}
