using System.Text.Json.Nodes;
using POSLayerFreeze.Data;
using POSLayerFreeze.Experiments;
using POSLayerFreeze.Models;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tests.Cli;
using POSLayerFreeze.Training;

namespace POSLayerFreeze.Tests.Experiments;

/// <summary>
/// <c>poslf run --model FOLDER</c> on a RoBERTa (byte-level BPE) and an XLM-R (Unigram) folder (<see cref="SubwordWorld"/>):
/// the family picks the tokenizer files, the run trains, evaluates every test word, saves the tagger with the kind's
/// files, and <c>poslf tag</c> reloads it and writes the run's predictions byte for byte. A folder without its
/// kind's files, or with an id past the embeddings, is refused naming the file.
/// </summary>
public class SubwordModelRunTests
{
    private static string Folder(string family) => family == "roberta" ? SubwordWorld.RobertaDir : SubwordWorld.XlmRobertaDir;

    [TestCase("roberta", "ByteLevelBpe", new[] { "merges.txt", "vocab.json" })]
    [TestCase("xlm-roberta", "Unigram", new[] { "tokenizer.json" })]
    public void A_folder_trains_evaluates_every_word_saves_and_tag_reproduces_the_run(string family, string kind, string[] tokenizerFiles)
    {
        var dir = TinyWorld.TempDir("subword-run-" + family);
        var profile = Path.Combine(dir, "tiny.json");
        File.WriteAllText(profile, Invariant.ToJson(ProfileFile.ToFileJson(TinyWorld.Profile)));
        var outDir = Path.Combine(dir, "out");
        var run = Poslf.Run("run", "--configs", "all", "--model", Folder(family), "--data-dir", TinyWorld.DataDir,
            "--profile", profile, "--save-model", "--out", outDir);
        Assert.That(run.ExitCode, Is.Zero, run.Stdout + run.Stderr);

        var runDir = Path.Combine(outDir, "all", "seed-42");
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(runDir, RunExecutor.MetricsFile)))!;
        var test = Path.Combine(TinyWorld.DataDir, "en_ewt-ud-test.conllu");
        Assert.Multiple(() =>
        {
            Assert.That(metrics["model_config"]!["model_type"]!.GetValue<string>(), Is.EqualTo(family));
            Assert.That(metrics["train"]!["steps"]!.GetValue<int>(), Is.GreaterThan(0));
            Assert.That(metrics["test"]!["words"]!.GetValue<int>(), Is.EqualTo(ConlluReader.Read(test).Sum(s => s.Words.Count)), "every word evaluated");
            Assert.That(metrics["tokenizer"]!.ToJsonString(), Is.EqualTo($"{{\"kind\":\"{kind}\"}}"));
            var identity = metrics["inputs"]!["model_identity"]!.GetValue<string>();
            foreach (var file in tokenizerFiles.Append("tokenizer_config.json"))
                Assert.That(identity, Does.Contain($"{file}=" + Sha16(Path.Combine(Folder(family), file))), "the tokenizer's files are hashed into the inputs");
            Assert.That(metrics["saved_model"]!["sha256"]!.AsObject().Select(kv => kv.Key),
                Is.EquivalentTo(tokenizerFiles.Concat(["config.json", "model.safetensors", "tokenizer_config.json"])));
        });
        var saved = Path.Combine(runDir, RunExecutor.ModelDirectory);
        foreach (var file in tokenizerFiles)
            Assert.That(File.ReadAllBytes(Path.Combine(saved, file)), Is.EqualTo(File.ReadAllBytes(Path.Combine(Folder(family), file))), file);
        Assert.That(File.Exists(Path.Combine(saved, "vocab.txt")), Is.False, "no WordPiece vocabulary is invented");

        var tagged = Path.Combine(dir, "tagged.conllu");
        var tag = Poslf.Run("tag", "--model", saved, test, "--out", tagged);
        Assert.That(tag.ExitCode, Is.Zero, tag.Stdout + tag.Stderr);
        Assert.That(File.ReadAllText(tagged), Is.EqualTo(File.ReadAllText(Path.Combine(runDir, RunExecutor.PredictionsFile))),
            "the saved tagger tags the test file exactly as the run did");
    }

    [TestCase("roberta", "merges.txt")]
    [TestCase("roberta", "vocab.json")]
    [TestCase("xlm-roberta", "tokenizer.json")]
    public void A_folder_without_a_file_of_its_tokenizer_kind_is_refused_naming_it(string family, string file)
    {
        var copy = Copy(Folder(family), family);
        File.Delete(Path.Combine(copy, file));
        var e = Assert.Throws<FileNotFoundException>(() => ModelCatalog.Resolve(copy))!;
        Assert.That(e.Message, Does.StartWith($"{copy}: missing {file} (a {family} model's tokenizer reads "));
    }

    [TestCase("roberta", "vocab.json")]
    [TestCase("xlm-roberta", "tokenizer.json")]
    public void A_vocabulary_with_ids_past_the_embeddings_is_refused_naming_the_file(string family, string file)
    {
        var copy = Copy(Folder(family), family);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(copy, "config.json")))!.AsObject();
        var ids = SubwordWorld.IdCount(copy);
        Assert.That(ModelCatalog.Resolve(copy).Config.VocabSize, Is.EqualTo(ids), "as built, every id has a row");
        // One row fewer in config and weights alike, so only the vocabulary is wrong.
        config["vocab_size"] = ids - 1;
        File.WriteAllText(Path.Combine(copy, "config.json"), config.ToJsonString());
        var weights = Safetensors.Read(Path.Combine(copy, "model.safetensors")).Values
            .Select(t => t.Shape[0] == ids ? t with { Shape = [ids - 1, t.Shape[1]], Data = t.Data[..(int)((ids - 1) * t.Shape[1])] } : t).ToArray();
        Safetensors.Write(Path.Combine(copy, "model.safetensors"), weights);
        var e = Assert.Throws<InvalidDataException>(() => ModelCatalog.Resolve(copy))!;
        Assert.That(e.Message, Does.StartWith($"{Path.Combine(copy, file)}: holds id {ids - 1}, but ").And.Contain($"vocab_size {ids - 1}"));
    }

    private static string Copy(string folder, string family)
    {
        var copy = Path.Combine(TinyWorld.TempDir("subword-copy-" + family), family);
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(folder)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        return copy;
    }

    private static string Sha16(string path) => FileFingerprint.Sha256(path)[..16];
}
