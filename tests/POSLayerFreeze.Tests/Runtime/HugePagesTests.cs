using POSLayerFreeze.Runtime;
using POSLayerFreeze.Tests.Cli;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Runtime;

public class HugePagesTests
{
    [TestCase("always [madvise] never", "madvise")]
    [TestCase("[always] madvise never\n", "always")]
    [TestCase("always madvise [never]", "never")]
    [TestCase("  something else  ", "something else")]
    [TestCase("[unclosed", "[unclosed")]
    public void Kernel_mode_is_the_bracketed_choice(string line, string expected) =>
        Assert.That(HugePages.KernelMode(line), Is.EqualTo(expected));

    [Test]
    public void The_library_sets_the_variable_before_libtorch_reads_it_so_large_tensors_get_huge_pages()
    {
        // The assembly's module initializer ran before this test touched TorchSharp.
        Assert.That(HugePages.Source, Is.Not.Null);
        Assert.That(Environment.GetEnvironmentVariable(HugePages.Variable), Is.Not.Null);
        if (Environment.GetEnvironmentVariable(HugePages.Variable) != "1") Assert.Ignore("the runner turned huge pages off");
        // With the variable, c10 asks posix_memalign for page alignment (and advises huge pages) for every block of
        // 2 MB or more; without it, for 64 bytes, and glibc then places a block that large a chunk header past the
        // start of its own mapping, never on a page boundary. So page-aligned 8 MB tensors show c10 saw the variable.
        var pointers = Enumerable.Range(0, 8).Select(_ =>
        {
            using var t = empty(2 * 1024 * 1024, dtype: ScalarType.Float32);
            return t.storage<float>().data_ptr().ToInt64();
        }).ToArray();
        Assert.That(pointers.Select(p => p % 4096), Is.All.Zero, string.Join(", ", pointers.Select(p => p.ToString("x"))));
    }

    [Test]
    public void Doctor_reports_the_value_and_who_set_it()
    {
        var line = Doctor.Run([]).Single(c => c.Name == "huge pages").Value;
        Assert.That(line, Does.StartWith($"{HugePages.Variable}={Environment.GetEnvironmentVariable(HugePages.Variable)} ("));
        Assert.That(line, Does.Contain("; kernel: "));
    }

    [Test]
    public void Poslf_turns_huge_pages_on_unless_the_user_set_the_variable()
    {
        var unset = Poslf.StartInfo(["doctor"]);
        unset.Environment.Remove(HugePages.Variable);
        Assert.That(DoctorLine(unset), Does.StartWith($"{HugePages.Variable}=1 (set by poslf); kernel: "));

        var off = Poslf.StartInfo(["doctor"]);
        off.Environment[HugePages.Variable] = "0";
        Assert.That(DoctorLine(off), Does.StartWith($"{HugePages.Variable}=0 (set by the user); kernel: "));
    }

    private static string DoctorLine(System.Diagnostics.ProcessStartInfo psi)
    {
        psi.Environment["POSLF_DATA_DIR"] = Path.Combine(Path.GetTempPath(), "poslf-no-data-here");
        using var process = System.Diagnostics.Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.That(process.WaitForExit(120_000), Is.True, "poslf doctor did not finish");
        var line = stdout.Result.Split('\n').SingleOrDefault(l => l.Contains(" huge pages ", StringComparison.Ordinal));
        Assert.That(line, Is.Not.Null, stdout.Result + stderr.Result);
        return line![(line.IndexOf("huge pages", StringComparison.Ordinal) + "huge pages".Length)..].Trim();
    }
}
