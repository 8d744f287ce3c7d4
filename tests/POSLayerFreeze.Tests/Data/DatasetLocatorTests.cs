using POSLayerFreeze.Data;

namespace POSLayerFreeze.Tests.Data;

[TestFixture]
public class DatasetLocatorTests
{
    private string _root = "";

    [SetUp]
    public void CreateDirs()
    {
        _root = Directory.CreateTempSubdirectory("poslf-locate-").FullName;
        foreach (var d in new[] { "explicit", "env", Path.Combine("xdg", "poslayerfreeze", "ud-english-ewt"), Path.Combine("home", ".cache", "poslayerfreeze", "ud-english-ewt") })
        {
            Directory.CreateDirectory(Path.Combine(_root, d));
            File.WriteAllText(Path.Combine(_root, d, "en_ewt-ud-dev.conllu"), "");
        }
    }

    [TearDown]
    public void DeleteDirs() => Directory.Delete(_root, recursive: true);

    private Func<string, string?> Env(bool env, bool xdg) => name => name switch
    {
        DatasetLocator.EnvironmentVariable when env => Path.Combine(_root, "env"),
        "XDG_CACHE_HOME" when xdg => Path.Combine(_root, "xdg"),
        "HOME" => Path.Combine(_root, "home"),
        _ => null,
    };

    [Test]
    public void ExplicitDirWinsThenEnvironmentThenXdgCacheThenHomeCache()
    {
        var explicitDir = Path.Combine(_root, "explicit");
        Assert.Multiple(() =>
        {
            Assert.That(DatasetLocator.Locate("dev", explicitDir, Env(env: true, xdg: true)), Does.StartWith(explicitDir));
            Assert.That(DatasetLocator.Locate("dev", null, Env(env: true, xdg: true)), Does.StartWith(Path.Combine(_root, "env")));
            Assert.That(DatasetLocator.Locate("dev", null, Env(env: false, xdg: true)), Does.StartWith(Path.Combine(_root, "xdg")));
            Assert.That(DatasetLocator.Locate("dev", null, Env(env: false, xdg: false)), Does.StartWith(Path.Combine(_root, "home", ".cache")));
            Assert.That(DatasetLocator.ResolveDirectory(null, Env(env: true, xdg: true)).Source, Is.EqualTo(DatasetSource.EnvironmentVariable));
        });
    }

    [Test]
    public void GzipFileIsAcceptedWhenThePlainOneIsAbsent()
    {
        var dir = Path.Combine(_root, "explicit");
        File.WriteAllText(Path.Combine(dir, "en_ewt-ud-test.conllu.gz"), "");
        Assert.That(DatasetLocator.Locate("test", dir, Env(false, false)), Is.EqualTo(Path.Combine(dir, "en_ewt-ud-test.conllu.gz")));
    }

    [Test]
    public void MissingDataNamesBothWaysToProvideIt()
    {
        var dir = Path.Combine(_root, "explicit");
        var error = Assert.Throws<DatasetNotFoundException>(() => DatasetLocator.Locate("train", dir, Env(true, true)))!;
        Assert.That(error.Message, Does.Contain("--data-dir").And.Contain(DatasetLocator.EnvironmentVariable)
            .And.Contain("poslf data fetch").And.Contain(dir).And.Contain("en_ewt-ud-train.conllu"));
    }

    [Test]
    public void AnExplicitDirWithoutDataIsAnErrorNotAFallback()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_root, "empty")).FullName;
        Assert.Throws<DatasetNotFoundException>(() => DatasetLocator.Locate("dev", empty, Env(true, true)));
    }

    [Test]
    public void UnknownSplitIsRejected() =>
        Assert.Throws<ArgumentException>(() => DatasetLocator.Locate("validation", Path.Combine(_root, "explicit"), Env(false, false)));
}
