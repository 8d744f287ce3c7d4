using POSLayerFreeze.Cli.Commands;
using POSLayerFreeze.Data;

namespace POSLayerFreeze.Tests.Data;

[TestFixture]
[NonParallelizable]
public class DataCommandsTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDir() => _dir = Directory.CreateTempSubdirectory("poslf-datacmd-").FullName;

    [TearDown]
    public void DeleteDir() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void VerifyPassesOnTheSharedDatasetAndFailsOnAnEmptyFolder()
    {
        Assert.That(DataCommands.Create().Parse(["verify", "--data-dir", TestPaths.DatasetDir]).Invoke(), Is.Zero);
        Assert.That(DataCommands.Create().Parse(["verify", "--data-dir", _dir]).Invoke(), Is.EqualTo(1));
    }

    [Test]
    public void FetchFromAFileUrlFillsTheDestination()
    {
        var source = Directory.CreateDirectory(Path.Combine(_dir, "src")).FullName;
        foreach (var (name, bytes) in DatasetFetcherTests.RealFiles()) File.WriteAllBytes(Path.Combine(source, name), bytes);
        var dest = Path.Combine(_dir, "dest");

        int exit = DataCommands.Create().Parse(["fetch", "--dest", dest, "--base-url", new Uri(source + "/").AbsoluteUri]).Invoke();

        Assert.That(exit, Is.Zero);
        Assert.That(DatasetFetcher.Verify(dest).Select(v => v.Ok), Is.All.True);
    }
}
