using POSLayerFreeze.Cli;
using System.CommandLine;
using POSLayerFreeze.Cli.Commands;
using POSLayerFreeze.Golden;
using POSLayerFreeze.Runtime;

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

    // The commands throw; CliErrors (Program) turns the exception into the one error line (GoldenStatusTests runs
    // them through the built CLI). Here the exception itself is checked.
    private static Exception Refusal(Command command, params string[] args) =>
        Assert.Catch(() => command.Parse(args).Invoke(new InvocationConfiguration
        {
            Output = TextWriter.Null, Error = TextWriter.Null, EnableDefaultExceptionHandler = false,
        }))!;

    [Test]
    public void ApproveRefusesWhenNothingIsReceived()
    {
        Directory.CreateDirectory(root);
        Assert.That(Refusal(GoldenCommands.CreateApprove(), "--all", "--golden-dir", root),
            Is.InstanceOf<InvalidOperationException>().With.Message.Contain("Nothing received to approve"));
    }

    [Test]
    public void ApproveNeedsExperimentsOrAll()
    {
        Directory.CreateDirectory(root);
        Assert.That(Refusal(GoldenCommands.CreateApprove(), "--golden-dir", root), Is.InstanceOf<UsageException>().With.Message.Contain("--all"));
        Assert.That(Refusal(GoldenCommands.CreateApprove(), "--all", "slpf-3", "--golden-dir", root), Is.InstanceOf<UsageException>());
    }

    [Test]
    public void A_golden_dir_that_does_not_exist_is_a_usage_error_naming_the_option()
    {
        foreach (var command in new[] { GoldenCommands.CreateApprove(), GoldenCommands.CreateGolden() })
        {
            var args = command.Name == "approve" ? new[] { "--all", "--golden-dir", root } : ["status", "--golden-dir", root];
            Assert.That(Refusal(command, args), Is.InstanceOf<UsageException>()
                .With.Message.EqualTo($"no such folder: {root} (--golden-dir)"), command.Name);
        }
        Assert.That(Directory.Exists(root), Is.False, "nothing was created");
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

        Assert.That(Invoke(GoldenCommands.CreateGolden(), "status", "--golden-dir", root).Output,
            Is.EqualTo($"No received snapshots pending in {root}.\n1 verified and 0 received snapshot(s) read, 0 invalid.\n"));
    }
}
