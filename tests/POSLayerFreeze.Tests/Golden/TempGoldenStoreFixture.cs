using POSLayerFreeze.Golden;

namespace POSLayerFreeze.Tests.Golden;

/// <summary>
/// A fresh, empty golden store in a temp folder per test, deleted after it: the set-up the store's, reporting and
/// treebank tests share.
/// </summary>
public abstract class TempGoldenStoreFixture
{
    /// <summary>The store's root folder (not created until something is written).</summary>
    protected string Root { get; private set; } = "";

    protected GoldenStore Store { get; private set; } = null!;

    [SetUp]
    public void CreateTempStore()
    {
        Root = Path.Combine(Path.GetTempPath(), "poslf-golden-" + Guid.NewGuid().ToString("N"));
        Store = new GoldenStore(Root);
    }

    [TearDown]
    public void DeleteTempStore()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }
}
