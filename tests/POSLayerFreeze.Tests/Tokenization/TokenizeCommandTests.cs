using POSLayerFreeze.Cli.Commands;

namespace POSLayerFreeze.Tests.Tokenization;

[TestFixture]
[NonParallelizable]
public class TokenizeCommandTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDir() => _dir = Directory.CreateTempSubdirectory("poslf-tokenize-").FullName;

    [TearDown]
    public void DeleteDir() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void TokenizeDevReproducesTheHuggingFaceFixture()
    {
        var output = Path.Combine(_dir, "dev.jsonl");
        bool defaultUsed = false;
        var command = TokenizeCommand.Create(() => { defaultUsed = true; return (HfReference.VocabPath, true); });

        int exit = command.Parse(["--split", "dev", "--data-dir", TestPaths.DatasetDir, "--out", output]).Invoke();

        Assert.That(exit, Is.Zero);
        Assert.That(defaultUsed, Is.True, "without --vocab the default model's vocab is used");
        var ours = HfReference.Load(output);
        var reference = HfReference.Load(HfReference.DevReferencePath);
        Assert.That(ours, Has.Count.EqualTo(reference.Count));
        for (int i = 0; i < reference.Count; i++)
        {
            Assert.That(ours[i].Words, Is.EqualTo(reference[i].Words), $"sentence {i}");
            Assert.That(ours[i].InputIds, Is.EqualTo(reference[i].InputIds), $"sentence {i}");
            Assert.That(ours[i].WordIds, Is.EqualTo(reference[i].WordIds), $"sentence {i}");
        }
        var firstLine = File.ReadLines(output).First();
        Assert.That(firstLine, Does.StartWith("{\"words\":[\"From\",\"the\",\"AP\",").And.EndWith("\"word_ids\":[null,0,1,2,3,4,5,6,null]}"));
    }

    [Test]
    public void MissingDataFailsWithAHelpfulExitCode()
    {
        var command = TokenizeCommand.Create(() => (HfReference.VocabPath, true));
        int exit = command.Parse(["--split", "test", "--data-dir", _dir, "--out", Path.Combine(_dir, "x.jsonl")]).Invoke();
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(File.Exists(Path.Combine(_dir, "x.jsonl")), Is.False);
    }

    [Test]
    public void UnknownSplitIsAParseError()
    {
        var command = TokenizeCommand.Create(() => (HfReference.VocabPath, true));
        Assert.That(command.Parse(["--split", "validation", "--out", "x.jsonl"]).Errors, Is.Not.Empty);
    }
}
