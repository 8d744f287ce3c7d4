using System.Diagnostics;
using System.Globalization;
using POSLayerFreeze.Tests.Cli;
using POSLayerFreeze.Tests.Experiments;

namespace POSLayerFreeze.Tests.Data;

/// <summary>Issue 12 §8 as a user meets it: the treebank files given to <c>poslf run</c>.</summary>
public class InputBytesCliTests
{
    [Test]
    public void A_NUL_inside_a_FORM_is_one_error_line_naming_file_line_and_field()
    {
        var data = CopyOfTinyData("nul");
        var dev = Path.Combine(data, "en_ewt-ud-dev.conllu");
        var lines = File.ReadAllLines(dev);
        var at = Array.FindIndex(lines, l => l.Length > 0 && char.IsDigit(l[0]));
        var cols = lines[at].Split('\t');
        cols[1] = cols[1][..1] + "\0" + cols[1][1..];
        lines[at] = string.Join('\t', cols);
        File.WriteAllText(dev, string.Join('\n', lines) + "\n");
        var result = Poslf.Run(Run(data));
        Poslf.AssertError(result, 1, $"{dev}:{(at + 1).ToString(CultureInfo.InvariantCulture)}", "FORM", "U+0000");
    }

    [Test]
    public void A_multi_member_gzip_made_by_gzip_and_cat_is_accepted()
    {
        if (!File.Exists("/bin/gzip") && !File.Exists("/usr/bin/gzip")) Assert.Ignore("no gzip on this machine");
        var data = CopyOfTinyData("members");
        var train = Path.Combine(data, "en_ewt-ud-train.conllu");
        var blocks = File.ReadAllText(train).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        var half = blocks.Length / 2;
        var a = Path.Combine(data, "a.conllu");
        var b = Path.Combine(data, "b.conllu");
        File.WriteAllText(a, string.Concat(blocks[..half].Select(x => x + "\n\n")));
        File.WriteAllText(b, string.Concat(blocks[half..].Select(x => x.Trim('\n') + "\n\n")));
        Shell($"gzip -n '{a}' '{b}' && cat '{a}.gz' '{b}.gz' > '{train}.gz' && gzip -t '{train}.gz' && rm '{train}' '{a}.gz' '{b}.gz'");
        var result = Poslf.Run(Run(data));
        Assert.That(result.ExitCode, Is.Zero, result.Stdout + result.Stderr);
        Assert.That(result.Stderr, Does.Not.Contain("poslf: error"));
    }

    private static string[] Run(string data) =>
        ["run", "--configs", "baseline", "--model", TinyWorld.ModelDir, "--data-dir", data, "--out", TinyWorld.TempDir("bytes-out"),
         "--train-sentences", "24", "--max-length", "32", "--batch-size", "8"];

    private static string CopyOfTinyData(string name)
    {
        var dir = TinyWorld.TempDir("bytes-" + name);
        foreach (var file in Directory.GetFiles(TinyWorld.DataDir)) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        return dir;
    }

    private static void Shell(string command)
    {
        using var p = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", command]) { RedirectStandardError = true })!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.That(p.ExitCode, Is.Zero, err);
    }
}
