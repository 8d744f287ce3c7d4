using System.Diagnostics;

namespace POSLayerFreeze.Tests.Cli;

/// <summary>The built CLI (dotnet poslf.dll) as a user runs it: separate process, exit code, stdout and stderr.</summary>
internal static class Poslf
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string[] ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("poslf: error:", StringComparison.Ordinal)).ToArray();
    }

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "poslf.dll");

    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet", [Dll, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["COLUMNS"] = "200";
        psi.Environment["OMP_NUM_THREADS"] = "1";
        return psi;
    }

    /// <summary>
    /// The CLI started through coreutils <c>env</c> with SIGINT reset to its default (<paramref name="sigint"/>
    /// "default") or ignored ("ignore"), whatever the test host inherited: a test host started as a shell's
    /// background job has SIGINT ignored, and so would every poslf it starts, which makes a Ctrl+C test meaningless.
    /// </summary>
    public static ProcessStartInfo StartInfoWithSigint(string sigint, IEnumerable<string> args)
    {
        var inner = StartInfo(args);
        var psi = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(sigint == "ignore" ? "--ignore-signal=INT" : "--default-signal=INT");
        psi.ArgumentList.Add(inner.FileName);
        foreach (var a in inner.ArgumentList) psi.ArgumentList.Add(a);
        foreach (var (k, v) in inner.Environment) psi.Environment[k] = v;
        return psi;
    }

    public static Result Run(params string[] args) => Run(args, 120_000);

    public static Result Run(string[] args, int timeoutMs) => Run(null, args, timeoutMs);

    /// <summary>With extra environment variables; the test host's own SLURM_* variables are never passed on (a test
    /// host inside a Slurm job must not hand its array to the CLI).</summary>
    public static Result Run(IReadOnlyDictionary<string, string>? environment, string[] args, int timeoutMs = 120_000)
    {
        var psi = StartInfo(args);
        foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("SLURM_", StringComparison.Ordinal)).ToArray()) psi.Environment.Remove(name);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) psi.Environment[name] = value;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutMs))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"poslf {string.Join(' ', args)} did not finish in {timeoutMs / 1000} s");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>
    /// The one error style: exactly one <c>poslf: error:</c> line holding every expected piece, the expected exit
    /// code, and no stack trace or "Unhandled exception".
    /// </summary>
    public static void AssertError(Result result, int exitCode, params string[] mentions)
    {
        var all = result.Stdout + result.Stderr;
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1), all);
        Assert.That(all, Does.Not.Contain("Unhandled exception").And.Not.Contain("   at ").And.Not.Contain("internal error"), all);
        foreach (var m in mentions) Assert.That(result.ErrorLines[0], Does.Contain(m), all);
        Assert.That(result.ExitCode, Is.EqualTo(exitCode), all);
    }
}
