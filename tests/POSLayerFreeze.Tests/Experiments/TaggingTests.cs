using System.Text;
using System.Text.Json.Nodes;
using POSLayerFreeze.Data;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Models;
using POSLayerFreeze.Tokenization;

namespace POSLayerFreeze.Tests.Experiments;

/// <summary>poslf run --save-model then tagging: the saved tagger reproduces the run's test predictions exactly;
/// plain text splits like Hugging Face's BERT pre-tokenizer; bad input names file and line.</summary>
public class TaggingTests : TinyTorchFixture
{
    private static readonly Lazy<(string RunDir, JsonObject Metrics)> SavedRun = new(() =>
    {
        var dir = TinyWorld.TempDir("save-model");
        var model = TinyWorld.Model;
        var data = ExperimentData.Load(model, TinyWorld.Profile, Treebank.FromFolder(TinyWorld.DataDir, "test"));
        var spec = new RunSpec("baseline", 42, TinyWorld.Profile, model.Name, Sweep.ModelIdentity(model), "cpu", Tf32: false)
        {
            SaveModel = true,
            Dataset = data.Treebank.Identity,
        };
        var runDir = Path.Combine(dir, spec.RelativeDirectory);
        var metrics = RunMetricsFile.ToNode(RunExecutor.Execute(spec, data, runDir));
        Assert.That(RunExecutor.IsFinished(runDir, spec), Is.True);
        return (runDir, metrics);
    });

    private static LoadedTagger Tagger() => TaggerCheckpoint.Load(Path.Combine(SavedRun.Value.RunDir, RunExecutor.ModelDirectory));

    [Test]
    public void Saved_model_is_listed_with_checksums_and_a_run_without_it_is_not_finished_when_asked_for()
    {
        var (runDir, metrics) = SavedRun.Value;
        var listed = metrics["saved_model"]!["sha256"]!.AsObject();
        Assert.That(listed.Select(kv => kv.Key), Is.EquivalentTo(new[] { "config.json", "model.safetensors", "tokenizer_config.json", "vocab.txt" }));
        Assert.That(TinyWorld.TempFiles(runDir), Is.Empty);
        var model = TinyWorld.Model;
        var spec = new RunSpec("baseline", 42, TinyWorld.Profile, model.Name, Sweep.ModelIdentity(model), "cpu", Tf32: false)
        {
            Dataset = Treebank.FromFolder(TinyWorld.DataDir, "test").Identity,
        };
        Assert.That(spec with { SaveModel = true }, Has.Property(nameof(RunSpec.InputsHash)).EqualTo(spec.InputsHash), "saving changes no number: not an input");
        // The run's files without its model folder, in a run folder of its own (results read back are validated).
        var copy = Path.Combine(TinyWorld.TempDir("no-model"), "baseline", "seed-42");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(runDir)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        Assert.That(RunExecutor.IsFinished(copy, spec), Is.True);
        Assert.That(RunExecutor.IsFinished(copy, spec with { SaveModel = true }), Is.False, "model folder missing: rerun");
    }

    [Test]
    public void Tagging_the_test_file_with_the_saved_model_reproduces_the_run_exactly()
    {
        var (runDir, metrics) = SavedRun.Value;
        using var tagger = Tagger();
        var test = Path.Combine(TinyWorld.DataDir, "en_ewt-ud-test.conllu");
        using var output = new StringWriter();
        var result = Tagging.Tag(tagger, test, test, TagInputFormat.Auto, output);
        Assert.That(result.Format, Is.EqualTo(TagInputFormat.Conllu));
        Assert.That(result.Accuracy, Is.EqualTo(metrics["test"]!["accuracy"]!.GetValue<double>()), "bit-identical accuracy");
        Assert.That(output.ToString(), Is.EqualTo(File.ReadAllText(Path.Combine(runDir, RunExecutor.PredictionsFile))),
            "the same CoNLL-U the run wrote, byte for byte");
        Assert.That(result.Words, Is.EqualTo(metrics["test"]!["words"]!.GetValue<int>()));
    }

    [Test]
    public void Untagged_conllu_gets_upos_filled_and_nothing_else_changed()
    {
        var dir = TinyWorld.TempDir("untagged");
        var input = Path.Combine(dir, "in.conllu");
        const string text = "# sent_id = a\n# text = I like it.\n1\tI\tI\t_\tPRP\t_\t_\t_\t_\t_\n2-3\tlike\t_\t_\t_\t_\t_\t_\t_\t_\n2\tlike\tlike\t_\t_\t_\t_\t_\t_\t_\n3\tit\tit\t_\t_\t_\t_\t_\t_\tSpaceAfter=No\n4\t.\t.\t_\t_\t_\t_\t_\t_\t_\n\n";
        File.WriteAllText(input, text);
        Assert.That(() => ConlluReader.Read(input).ToArray(), Throws.TypeOf<ConlluFormatException>(), "gold files still need UPOS");
        using var tagger = Tagger();
        using var output = new StringWriter();
        var result = Tagging.Tag(tagger, input, input, TagInputFormat.Auto, output);
        Assert.That(result.Accuracy, Is.Null, "no gold tags to compare with");
        var inLines = text.Split('\n');
        var outLines = output.ToString().Split('\n');
        Assert.That(outLines, Has.Length.EqualTo(inLines.Length));
        for (var i = 0; i < inLines.Length; i++)
        {
            var a = inLines[i].Split('\t');
            var b = outLines[i].Split('\t');
            if (a.Length == 10 && !a[0].Contains('-', StringComparison.Ordinal))
            {
                Assert.That(Upos.TryGetId(b[3], out _), Is.True, $"line {i + 1}: UPOS filled");
                b[3] = a[3];
            }
            Assert.That(b, Is.EqualTo(a), $"line {i + 1}: everything but UPOS untouched");
        }
    }

    [Test]
    public void Plain_text_is_split_like_the_BERT_pre_tokenizer_and_written_as_conllu()
    {
        var dir = TinyWorld.TempDir("plain");
        var input = Path.Combine(dir, "in.txt");
        File.WriteAllText(input, "Hello, world!\n\n  The $5.00 fee (it's due).\n");
        using var tagger = Tagger();
        using var output = new StringWriter();
        var result = Tagging.Tag(tagger, input, input, TagInputFormat.Auto, output);
        Assert.That((result.Format, result.Sentences, result.Words), Is.EqualTo((TagInputFormat.Text, 2, 17)));
        var back = Path.Combine(dir, "out.conllu");
        File.WriteAllText(back, output.ToString());
        var sentences = ConlluReader.Read(back, untagged: true).ToArray();
        Assert.That(sentences[0].Forms(), Is.EqualTo(new[] { "Hello", ",", "world", "!" }));
        Assert.That(sentences[1].Forms(), Is.EqualTo(new[] { "The", "$", "5", ".", "00", "fee", "(", "it", "'", "s", "due", ")", "." }));
        Assert.That(sentences[1].SentId, Is.EqualTo("3"), "sent_id = the input line");
        Assert.That(sentences.SelectMany(s => s.Words).All(w => w.UposId >= 0), Is.True, "every word tagged");
        Assert.That(sentences[0].Lines[2].Split('\t')[9], Is.EqualTo("SpaceAfter=No"), "Hello is followed by ','");
        Assert.That(sentences[0].Lines[3].Split('\t')[9], Is.EqualTo("_"), "',' is followed by a space");
    }

    [Test]
    public void Split_words_are_the_pre_tokenizer_pieces_of_every_EWT_dev_text_with_their_spelling_kept()
    {
        // BertPreTokenizer.Split is checked against Hugging Face on all 2,001 dev sentences; without lowercasing it does
        // no normalization, so its pieces of a whole line must be exactly the words TextWords finds.
        var dev = DatasetLocator.Locate("dev", TestPaths.DatasetDir);
        var texts = ConlluReader.Read(dev).Select(s => s.Comments.First(c => c.StartsWith("# text = ", StringComparison.Ordinal))[9..]).ToArray();
        Assert.That(texts, Has.Length.GreaterThan(2000));
        foreach (var t in texts)
            Assert.That(TextWords.Split(t).Select(w => w.Form), Is.EqualTo(BertPreTokenizer.Split(t, lowercase: false, stripAccents: false, chineseChars: true).Select(p => p.Text)), t);
        Assert.That(TextWords.Split("Café\u200B 北京 x\u0007y").Select(w => w.Form), Is.EqualTo(new[] { "Café\u200B", "北", "京", "x\u0007y" }),
            "accents kept, CJK ideographs alone, format/control characters kept in the FORM (the tokenizer drops them)");
    }

    [Test]
    public void Bad_input_names_the_file_and_line()
    {
        var dir = TinyWorld.TempDir("bad-input");
        using var tagger = Tagger();
        var text = Path.Combine(dir, "bad.txt");
        File.WriteAllBytes(text, [.. "fine\nalso fine\n"u8, 0x66, 0xC3, 0x28, (byte)'\n']);
        Assert.That(() => Tagging.Tag(tagger, text, "bad.txt", TagInputFormat.Auto, TextWriter.Null),
            Throws.TypeOf<InvalidDataException>().With.Message.StartsWith("bad.txt:3: not valid UTF-8"));
        var conllu = Path.Combine(dir, "bad.conllu");
        File.WriteAllText(conllu, "1\tA\ta\tNOUN\t_\t_\t0\troot\t_\t_\n2\tB\tb\tNOPE\t_\t_\t1\tdep\t_\t_\n\n", new UTF8Encoding(false));
        Assert.That(() => Tagging.Tag(tagger, conllu, "<stdin>", TagInputFormat.Auto, TextWriter.Null),
            Throws.TypeOf<ConlluFormatException>().With.Property(nameof(ConlluFormatException.Line)).EqualTo(2)
                .And.Property(nameof(ConlluFormatException.File)).EqualTo("<stdin>"));
        var empty = Path.Combine(dir, "empty.txt");
        File.WriteAllText(empty, "\n  \n");
        Assert.That(() => Tagging.Tag(tagger, empty, "empty.txt", TagInputFormat.Text, TextWriter.Null),
            Throws.TypeOf<InvalidDataException>().With.Message.Contains("no words"));
    }
}
