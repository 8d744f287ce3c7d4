using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Data;

/// <summary>
/// Writes predictions as the gold file with only the UPOS column of each word replaced, so the CoNLL 2018 scorer
/// and the UD validator read it against gold. Comments, multiword ranges and empty nodes pass through unchanged;
/// output is UTF-8 without BOM, LF line endings, gzip when the path ends in .gz, and written atomically.
/// </summary>
public static class ConlluWriter
{
    public static void Write(string path, IReadOnlyList<ConlluSentence> gold, IReadOnlyList<int[]> predictedTagIdsPerSentence)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(predictedTagIdsPerSentence);
        if (gold.Count != predictedTagIdsPerSentence.Count)
            throw new ArgumentException($"{predictedTagIdsPerSentence.Count} predictions for {gold.Count} sentences", nameof(predictedTagIdsPerSentence));
        for (int s = 0; s < gold.Count; s++)
        {
            var predicted = predictedTagIdsPerSentence[s];
            if (predicted.Length != gold[s].Words.Count)
                throw new ArgumentException($"sentence {s} has {gold[s].Words.Count} words but {predicted.Length} predictions", nameof(predictedTagIdsPerSentence));
            foreach (var id in predicted)
            {
                if (id < 0 || id >= Upos.Count)
                    throw new ArgumentException($"sentence {s}: tag id {id} is outside 0..{Upos.Count - 1}", nameof(predictedTagIdsPerSentence));
            }
        }

        AtomicFile.WriteText(path, writer =>
        {
            for (int s = 0; s < gold.Count; s++) WriteSentence(writer, gold[s], predictedTagIdsPerSentence[s]);
        }, gzip: path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>One sentence as read, with only the UPOS column of each word replaced; ends with its blank line.
    /// <paramref name="newline"/>: the line ending to write (<c>\r\n</c> to keep a CRLF file's).</summary>
    public static void WriteSentence(TextWriter writer, ConlluSentence sentence, int[] predicted, string newline = "\n")
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(sentence);
        ArgumentNullException.ThrowIfNull(predicted);
        if (predicted.Length != sentence.Words.Count)
            throw new ArgumentException($"{sentence.Words.Count} words but {predicted.Length} predictions", nameof(predicted));
        int nextWord = 0;
        for (int i = 0; i < sentence.Lines.Count; i++)
        {
            var line = sentence.Lines[i];
            if (nextWord < sentence.WordLineIndexes.Count && sentence.WordLineIndexes[nextWord] == i)
            {
                var cols = line.Split('\t');
                cols[3] = Upos.Tags[predicted[nextWord]];
                writer.Write(string.Join('\t', cols));
                nextWord++;
            }
            else
            {
                writer.Write(line);
            }
            writer.Write(newline);
        }
        writer.Write(newline);
    }

    /// <summary>
    /// A sentence of plain text as CoNLL-U: <c># sent_id</c> and <c># text</c> comments, then one row per word with
    /// FORM, the predicted UPOS and the given MISC (<c>SpaceAfter=No</c>, <c>SpacesAfter=…</c> or <c>_</c>); other columns <c>_</c>.
    /// </summary>
    public static void WriteTextSentence(TextWriter writer, string sentId, string text, IReadOnlyList<(string Form, string Misc)> words,
        int[] predicted)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(predicted);
        if (predicted.Length != words.Count) throw new ArgumentException($"{words.Count} words but {predicted.Length} predictions", nameof(predicted));
        writer.Write($"# sent_id = {sentId}\n# text = {text}\n");
        for (int i = 0; i < words.Count; i++)
        {
            writer.Write(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{i + 1}\t{words[i].Form}\t_\t{Upos.Tags[predicted[i]]}\t_\t_\t_\t_\t_\t{words[i].Misc}\n"));
        }
        writer.Write('\n');
    }
}
