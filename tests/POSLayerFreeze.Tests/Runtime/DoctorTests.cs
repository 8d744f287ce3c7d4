using System.Diagnostics;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Tests.Runtime;

public class DoctorTests
{
    [Test]
    public void Report_names_platform_versions_and_exercises_the_cpu()
    {
        var checks = Doctor.Run([]);
        var byName = checks.ToDictionary(c => c.Name);
        Assert.That(byName.Keys, Is.SupersetOf(new[] { "os", "libstdc++", "compat shim", ".NET", "TorchSharp", "libtorch", "cpu", "cuda" }));
        Assert.That(byName["cpu"].Ok, Is.True, byName["cpu"].Value);
        Assert.That(byName["cpu"].Value, Does.Contain("matmul + backward ok"));
        Assert.That(byName["libstdc++"].Value, Does.StartWith("GLIBCXX_3.4."));
        Assert.That(Doctor.CanTrain(checks), Is.True);
    }

    [Test]
    public void A_failing_required_check_means_the_machine_cannot_train()
    {
        var checks = Doctor.Run([() => new DoctorCheck("dataset", "missing", Ok: false, Required: true)]);
        Assert.That(Doctor.CanTrain(checks), Is.False);
        var thrown = Doctor.Run([() => throw new IOException("disk gone")]);
        Assert.That(thrown[^1].Value, Does.Contain("disk gone"));
        Assert.That(Doctor.CanTrain(thrown), Is.False);
    }

    [Test]
    public void The_cli_doctor_exits_zero_here_and_prints_every_section()
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "poslf.dll");
        var psi = new ProcessStartInfo("dotnet", [cli, "doctor", "--data-dir", TestPaths.DatasetDir]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.That(output, Does.Contain("compat shim").And.Contain("TorchSharp").And.Contain("matmul + backward ok"));
        Assert.That(process.ExitCode, Is.EqualTo(0), output);
    }
}
