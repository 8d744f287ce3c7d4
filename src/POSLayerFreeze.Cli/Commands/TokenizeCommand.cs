using System.CommandLine;
using System.Text.Json;
using POSLayerFreeze.Data;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tokenization;

namespace POSLayerFreeze.Cli.Commands;

/// <summary>
/// <c>poslf tokenize</c>: one JSON object per sentence (<c>words</c>, <c>input_ids</c>, <c>word_ids</c>), the schema of
/// the Hugging Face reference fixture, so our alignment can be diffed against any HF tokenizer run.
/// </summary>
public static class TokenizeCommand
{
    /// <param name="defaultVocab">The vocab and casing used when --vocab is not given (the default model's).</param>
    public static Command Create(Func<(string VocabPath, bool Lowercase)> defaultVocab)
    {
        ArgumentNullException.ThrowIfNull(defaultVocab);
        var split = new Option<string>("--split") { Description = "Which split to tokenize.", Required = true };
        split.AcceptOnlyFromAmong("train", "dev", "test");
        var dataDir = new Option<string?>("--data-dir") { Description = "Folder with en_ewt-ud-{train,dev,test}.conllu[.gz] (else $POSLF_DATA_DIR, else the per-user cache)." };
        var vocab = new Option<string?>("--vocab") { Description = "A BERT vocab.txt (default: the default model's vocabulary)." };
        var cased = new Option<bool>("--cased") { Description = "With --vocab: keep case and accents (for cased vocabularies)." };
        var output = new Option<string>("--out") { Description = "Output .jsonl file.", Required = true };

        var command = new Command("tokenize", "Write the WordPiece ids and word alignment of every sentence of a split as JSONL.");
        foreach (var option in new Option[] { split, dataDir, vocab, cased, output }) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var (vocabPath, lowercase) = parse.GetValue(vocab) is { } explicitVocab ? (explicitVocab, !parse.GetValue(cased)) : defaultVocab();
            try
            {
                var aligner = WordPieceAligner.FromVocab(vocabPath, lowercase);
                var path = DatasetLocator.Locate(parse.GetValue(split)!, parse.GetValue(dataDir));
                int count = Write(parse.GetValue(output)!, ConlluReader.Read(path), aligner);
                Console.WriteLine($"tokenize: {count} sentences from {path} -> {parse.GetValue(output)}");
                return 0;
            }
            catch (Exception e) when (e is DatasetNotFoundException or ConlluFormatException)
            {
                Console.Error.WriteLine(e.Message);
                return 1;
            }
        });
        return command;
    }

    /// <summary>Writes one compact JSON object per sentence, LF-separated; returns the number of sentences.</summary>
    public static int Write(string outputPath, IEnumerable<ConlluSentence> sentences, WordPieceAligner aligner)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        ArgumentNullException.ThrowIfNull(aligner);
        int count = 0;
        AtomicFile.Write(outputPath, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = Invariant.Json.Encoder, Indented = false });
            foreach (var sentence in sentences)
            {
                var words = sentence.Forms();
                var encoded = aligner.Encode(words);
                json.WriteStartObject();
                json.WriteStartArray("words");
                foreach (var w in words) json.WriteStringValue(w);
                json.WriteEndArray();
                json.WriteStartArray("input_ids");
                foreach (var id in encoded.InputIds) json.WriteNumberValue(id);
                json.WriteEndArray();
                json.WriteStartArray("word_ids");
                foreach (var w in encoded.WordIds)
                {
                    if (w is int word) json.WriteNumberValue(word);
                    else json.WriteNullValue();
                }
                json.WriteEndArray();
                json.WriteEndObject();
                json.Flush();
                stream.WriteByte((byte)'\n');
                json.Reset();
                count++;
            }
        });
        return count;
    }
}
