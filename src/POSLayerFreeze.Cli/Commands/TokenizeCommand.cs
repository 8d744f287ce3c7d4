using System.CommandLine;
using System.Text.Json;
using POSLayerFreeze.Data;
using POSLayerFreeze.Models;
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
        var model = new Option<string?>("--model")
        {
            Description = "A Hugging Face model or tokenizer folder: WordPiece (vocab.txt), byte-level BPE (vocab.json + merges.txt) or Unigram (tokenizer.json); the kind is its config.json's family, else what its files hold.",
        };
        var output = new Option<string>("--out") { Description = "Output .jsonl file.", Required = true };

        var command = new Command("tokenize", "Write the sub-token ids and word alignment of every sentence of a split as JSONL.");
        foreach (var option in new Option[] { split, dataDir, vocab, cased, model, output }) command.Options.Add(option);
        command.SetAction(parse =>
        {
            try
            {
                if (parse.GetValue(model) is not null && parse.GetValue(vocab) is not null)
                    throw new ArgumentException("--model and --vocab: give one of them");
                WordTokenizer aligner;
                if (parse.GetValue(model) is { } modelFolder) aligner = FromFolder(modelFolder);
                else
                {
                    var (vocabPath, lowercase) = parse.GetValue(vocab) is { } explicitVocab ? (explicitVocab, !parse.GetValue(cased)) : defaultVocab();
                    aligner = WordPieceAligner.FromVocab(vocabPath, lowercase);
                }
                var path = DatasetLocator.Locate(parse.GetValue(split)!, parse.GetValue(dataDir));
                int count = Write(parse.GetValue(output)!, ConlluReader.Read(path), aligner);
                Console.WriteLine($"tokenize: {count} sentences from {path} -> {parse.GetValue(output)}");
                return 0;
            }
            catch (Exception e) when (e is DatasetNotFoundException or ConlluFormatException or ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException)
            {
                Console.Error.WriteLine(e.Message);
                return 1;
            }
        });
        return command;
    }

    /// <summary>Writes one compact JSON object per sentence, LF-separated; returns the number of sentences.</summary>
    /// <summary>The tokenizer of a model folder: its config.json's family decides the kind, else the files it holds.</summary>
    public static WordTokenizer FromFolder(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"--model {folder}: not a directory");
        var config = Path.Combine(folder, "config.json");
        TokenizerKind? kind = File.Exists(config) && EncoderFamilies.Find(EncoderConfig.FromFile(config).ModelType) is { } family
            ? family.Tokenizer
            : WordTokenizers.Detect(folder);
        return WordTokenizers.FromFolder(kind ?? throw new FileNotFoundException(
            $"--model {folder}: no tokenizer files (vocab.txt, vocab.json + merges.txt, or tokenizer.json with a Unigram model)"), folder);
    }

    public static int Write(string outputPath, IEnumerable<ConlluSentence> sentences, WordTokenizer aligner)
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
