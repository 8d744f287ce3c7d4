using System.CommandLine;
using POSLayerFreeze.Cli.Commands;
using POSLayerFreeze.Golden;

namespace POSLayerFreeze.Tests.Golden;

public sealed class GoldenCommandsTests
{
    private string root = "";

    [SetUp]
    public void CreateTempStore() => root = Path.Combine(Path.GetTempPath(), "poslf-golden-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void DeleteTempStore()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    private static (int Code, string Output, string Error) Invoke(Command command, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = command.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    [Test]
    public void ApproveRefusesWhenNothingIsReceived()
    {
        var (code, _, error) = Invoke(GoldenCommands.CreateApprove(), "--all", "--golden-dir", root);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain("Nothing received to approve"));
    }

    [Test]
    public void ApproveNeedsExperimentsOrAll()
    {
        Assert.That(Invoke(GoldenCommands.CreateApprove(), "--golden-dir", root).Code, Is.EqualTo(2));
        Assert.That(Invoke(GoldenCommands.CreateApprove(), "--all", "slpf-3", "--golden-dir", root).Code, Is.EqualTo(2));
    }

    [Test]
    public void StatusListsPendingAndApprovePrintsChanges()
    {
        var store = new GoldenStore(root);
        store.Check("slpf-3", GoldenStoreTests.Sample(accuracy: 0.85));
        store.ApproveAll();
        store.Check("slpf-3", GoldenStoreTests.Sample(accuracy: 0.9));

        var status = Invoke(GoldenCommands.CreateGolden(), "status", "--golden-dir", root);
        Assert.That(status.Code, Is.Zero);
        Assert.That(status.Output, Does.Contain("smoke/cpu/slpf-3 (differs from verified)"));

        var approve = Invoke(GoldenCommands.CreateApprove(), "--profile", "smoke", "--backend", "cpu", "slpf-3", "--golden-dir", root);
        Assert.That(approve.Code, Is.Zero, approve.Error);
        Assert.That(approve.Output, Does.Contain("smoke/cpu/slpf-3: approved").And.Contain("test.accuracy: 0.85 → 0.9"));

        Assert.That(Invoke(GoldenCommands.CreateGolden(), "status", "--golden-dir", root).Output, Does.StartWith("No received snapshots pending"));
    }
}
