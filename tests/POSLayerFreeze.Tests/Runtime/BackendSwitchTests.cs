using System.Diagnostics;
using System.Text.Json;

namespace POSLayerFreeze.Tests.Runtime;

/// <summary>The one MSBuild property TorchBackend decides which native libtorch the build references.</summary>
public class BackendSwitchTests
{
    [TestCase("cpu", new[] { "TorchSharp", "libtorch-cpu-linux-x64" })]
    [TestCase("cuda", new[] { "TorchSharp", "TorchSharp-cuda-linux" })]
    [TestCase("system", new[] { "TorchSharp" })]
    public void Backend_selects_the_expected_torch_packages(string backend, string[] expected)
    {
        var (code, output) = Msbuild($"-getItem:PackageReference -p:TorchBackend={backend}");
        Assert.That(code, Is.EqualTo(0), output);
        var items = JsonDocument.Parse(output).RootElement.GetProperty("Items").GetProperty("PackageReference")
            .EnumerateArray().Select(i => i.GetProperty("Identity").GetString()!)
            .Where(id => id.Contains("torch", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToArray();
        Assert.That(items, Is.EqualTo(expected.Order(StringComparer.Ordinal).ToArray()));
    }

    [Test]
    public void An_unknown_backend_is_an_error()
    {
        var (code, output) = Msbuild("-t:POSLFCheckTorchBackend -p:TorchBackend=rocm");
        Assert.That(code, Is.Not.EqualTo(0));
        Assert.That(output, Does.Contain("TorchBackend must be cpu, cuda or system"));
    }

    private static (int Code, string Output) Msbuild(string arguments)
    {
        var project = Path.Combine(TestRepo.Root, "src", "POSLayerFreeze", "POSLayerFreeze.csproj");
        var psi = new ProcessStartInfo("dotnet", $"msbuild \"{project}\" -nologo {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr);
    }
}
