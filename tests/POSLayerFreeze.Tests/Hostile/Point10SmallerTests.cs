using System.Text;
using POSLayerFreeze.Tests.Cli;
using POSLayerFreeze.Tests.Experiments;

namespace POSLayerFreeze.Tests.Hostile;

/// <summary>Issue 29 point 10, the smaller findings (the GPT2Tokenizer label is the models part's), one test each.</summary>
public class Point10SmallerTests
{
    private static string TaggedConllu(string dir, byte[] content)
    {
        var input = Path.Combine(dir, "input.conllu");
        File.WriteAllBytes(input, content);
        var output = Path.Combine(dir, "tagged.conllu");
        var result = Poslf.Run("tag", "--model", HostileTagger.Dir, input, "--out", output);
        Assert.That(result.ExitCode, Is.Zero, result.Stderr);
        return output;
    }

    [Test]
    public void Tag_on_CoNLL_U_keeps_a_byte_order_mark_and_CRLF_line_endings()
    {
        var dir = TinyWorld.TempDir("hostile-bom");
        var text = "# sent_id = 1\r\n# text = Hello world\r\n1\tHello\t_\t_\t_\t_\t0\troot\t_\t_\r\n2\tworld\t_\t_\t_\t_\t1\tdep\t_\t_\r\n\r\n";
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(text)).ToArray();
        var tagged = File.ReadAllBytes(TaggedConllu(dir, bytes));
        Assert.That(tagged.AsSpan().StartsWith(Encoding.UTF8.GetPreamble()), Is.True, "the BOM is kept");
        var lines = Encoding.UTF8.GetString(tagged).TrimStart('\uFEFF');
        Assert.That(lines.Replace("\r\n", "", StringComparison.Ordinal), Does.Not.Contain("\n"), "every line ends in CRLF");
        Assert.That(lines.Split("\r\n").Take(2), Is.EqualTo(new[] { "# sent_id = 1", "# text = Hello world" }));

        // Without them, none is added.
        var plain = File.ReadAllBytes(TaggedConllu(TinyWorld.TempDir("hostile-lf"), Encoding.UTF8.GetBytes(text.Replace("\r\n", "\n", StringComparison.Ordinal))));
        Assert.That(plain[0], Is.EqualTo((byte)'#'));
        Assert.That(plain, Does.Not.Contain((byte)'\r'));
    }

    [Test]
    public void Tag_refuses_an_out_that_is_its_input()
    {
        var dir = TinyWorld.TempDir("hostile-same");
        var input = Path.Combine(dir, "input.conllu");
        var content = "# text = Hi\n1\tHi\t_\t_\t_\t_\t0\troot\t_\t_\n\n";
        File.WriteAllText(input, content);
        var link = Path.Combine(dir, "link.conllu");
        File.CreateSymbolicLink(link, input);
        foreach (var output in new[] { input, Path.Combine(dir, ".", "input.conllu"), link })
        {
            Poslf.AssertError(Poslf.Run("tag", "--model", HostileTagger.Dir, input, "--out", output), 2, "is the input file", "--out");
            Assert.That(File.ReadAllText(input), Is.EqualTo(content), "the input is untouched");
        }
    }

    [TestCase("run", "--model", "")]
    [TestCase("run", "--out", "")]
    [TestCase("run", "--out", " ")]
    [TestCase("merge", "--out", "")]
    [TestCase("tag", "--model", "")]
    [TestCase("tag", "--out", "")]
    public void An_empty_option_is_one_clean_line_naming_it(string command, string option, string value)
    {
        // Every other option given a good value, the one under test an empty one.
        var options = new Dictionary<string, string>
        {
            ["--model"] = command == "tag" ? HostileTagger.Dir : TinyWorld.ModelDir,
            ["--out"] = command == "tag" ? Path.Combine(TinyWorld.TempDir("hostile-empty-tag"), "x.conllu") : TinyWorld.TempDir("hostile-empty"),
        };
        options[option] = value;
        List<string> args = command switch
        {
            "run" => ["run", "--configs", "baseline", "--data-dir", TestPaths.DatasetDir, "--model", options["--model"], "--out", options["--out"]],
            "merge" => ["merge", TinyWorld.TempDir("hostile-empty-src"), "--out", options["--out"]],
            _ => ["tag", "--model", options["--model"], "--out", options["--out"], Path.Combine(TinyWorld.DataDir, "en_ewt-ud-test.conllu")],
        };
        var result = Poslf.Run([.. args]);
        Poslf.AssertError(result, 2, "an empty value", option);
        Assert.That(result.Stderr, Does.Not.Contain("(Parameter '"), "no .NET argument message");
    }

    [Test]
    public void A_NUL_in_a_profile_name_is_refused_naming_the_field()
    {
        var file = Path.Combine(TinyWorld.TempDir("hostile-nul"), "nul.json");
        File.WriteAllText(file, "{\n  \"name\": \"a\\u0000b\",\n  \"version\": 1,\n  \"epochs\": 1,\n  \"batch_size\": 2,\n  \"learning_rate\": 0.001\n}\n");
        var result = Poslf.Run("profile", "show", file);
        Poslf.AssertError(result, 1, $"{file}:2", "field 'name'", "control characters", "\"a\\u0000b\"");
        Assert.That(result.Stderr, Does.Not.Contain("\0"), "no NUL printed");
    }

    [Test]
    public void A_file_given_to_treebank_is_reported_as_not_a_folder()
    {
        var file = Path.Combine(TinyWorld.DataDir, "en_ewt-ud-test.conllu");
        var result = Poslf.Run("run", "--configs", "baseline", "--model", TinyWorld.ModelDir, "--treebank", file, "--out", TinyWorld.TempDir("hostile-treebank"));
        Poslf.AssertError(result, 1, file, "is a file, not a treebank folder", "--treebank");
        Assert.That(result.Stderr, Does.Not.Contain("does not exist"));
    }
}
