using POSLayerFreeze.Tests.Experiments;

namespace POSLayerFreeze.Tests.Cli;

/// <summary>
/// Issue 12 §7: every user mistake gets one line, <c>poslf: error: what (--option | file:line)</c>, exit 2 for
/// usage and 1 for failures, never a stack trace. Each case was an "Unhandled exception" before.
/// </summary>
public class CliErrorTests
{
    private static string[] RunArgs(params string[] extra) =>
        ["run", "--model", TinyWorld.ModelDir, "--data-dir", TinyWorld.DataDir, "--out", TinyWorld.TempDir("cli-err"), .. extra];

    [TestCase(new[] { "--seeds", "a,b" }, "--seeds", "'a'")]
    [TestCase(new[] { "--seeds", "," }, "--seeds", "no seeds")]
    [TestCase(new[] { "--configs", "" }, "--configs", "no configurations")]
    [TestCase(new[] { "--configs", "slpf-9" }, "--configs", "slpf-9")]
    [TestCase(new[] { "--configs", "baseline", "--suite", "slpf" }, "--suite, --configs")]
    [TestCase(new[] { "--suite", "everything" }, "--suite", "everything")]
    [TestCase(new[] { "--parallel", "0" }, "--parallel", "got 0")]
    [TestCase(new[] { "--parallel=-3" }, "--parallel", "got -3")]
    [TestCase(new[] { "--parallel", "x" }, "--parallel")]
    [TestCase(new[] { "--profile", "huge" }, "--profile", "huge")]
    [TestCase(new[] { "--device", "tpu" }, "--device", "tpu")]
    [TestCase(new[] { "--shard", "3/2" }, "--shard", "3/2")]
    [TestCase(new[] { "--shard", "0/2", "--parallel", "2" }, "--shard, --parallel")]
    [TestCase(new[] { "--no-such-option" }, "--no-such-option")]
    public void Run_usage_mistakes_name_the_option_and_exit_2(string[] extra, params string[] mentions)
    {
        var args = RunArgs(extra);
        Poslf.AssertError(Poslf.Run(args), 2, mentions);
        Assert.That(Directory.EnumerateFiles(args[6], "metrics.json", SearchOption.AllDirectories), Is.Empty, "nothing was trained");
    }

    [Test]
    public void A_model_folder_that_does_not_exist_names_model()
    {
        var missing = Path.Combine(TinyWorld.TempDir("cli-nomodel"), "nope");
        Poslf.AssertError(Poslf.Run("run", "--model", missing, "--out", TinyWorld.TempDir("cli-err")), 2, "--model", missing);
    }

    [Test]
    public void A_config_field_of_the_wrong_JSON_type_names_the_field_and_the_file()
    {
        var model = CopyModel("cli-config");
        var config = Path.Combine(model, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"hidden_size\": 32", "\"hidden_size\": \"32\"", StringComparison.Ordinal));
        Assert.That(File.ReadAllText(config), Does.Contain("\"32\""), "the fixture spells hidden_size as expected");
        var result = Poslf.Run("run", "--model", model, "--data-dir", TinyWorld.DataDir, "--out", TinyWorld.TempDir("cli-err"));
        Poslf.AssertError(result, 1, "hidden_size", "an integer", config);
    }

    [Test]
    public void Report_on_a_missing_or_empty_folder_fails_naming_it()
    {
        var empty = TinyWorld.TempDir("cli-empty");
        Poslf.AssertError(Poslf.Run("report", empty), 1, "no finished runs", empty);
        var missing = Path.Combine(empty, "nope");
        Poslf.AssertError(Poslf.Run("report", missing), 1, missing);
    }

    [Test]
    public void Merge_without_out_is_a_usage_error()
    {
        Poslf.AssertError(Poslf.Run("merge", TinyWorld.TempDir("cli-merge")), 2, "--out");
    }

    [Test]
    public void Verbose_shows_the_stack_trace()
    {
        var result = Poslf.Run("report", TinyWorld.TempDir("cli-empty"), "--verbose");
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(result.Stderr, Does.Contain("   at "), "--verbose adds the trace");
        Assert.That(result.ExitCode, Is.EqualTo(1));
    }

    internal static string CopyModel(string prefix)
    {
        var dir = Path.Combine(TinyWorld.TempDir(prefix), "model");
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.GetFiles(TinyWorld.ModelDir)) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        return dir;
    }
}
