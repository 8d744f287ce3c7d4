using POSLayerFreeze.Data;
using POSLayerFreeze.Experiments;

namespace POSLayerFreeze.Tests.Data;

/// <summary>
/// Any UD treebank folder: discovery by the release file names, clear errors, and the counts of the real LinES and
/// Sequoia release files equal to the tables in their READMEs (words as the CoNLL 2018 scorer counts them).
/// </summary>
[TestFixture]
public class TreebankTests
{
    private string _root = "";

    [SetUp]
    public void CreateRoot() => _root = Directory.CreateTempSubdirectory("poslf-treebank-").FullName;

    [TearDown]
    public void DeleteRoot() => Directory.Delete(_root, recursive: true);

    private string Folder(params string[] files)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_root, $"tb-{Guid.NewGuid():N}")).FullName;
        foreach (var f in files) File.WriteAllText(Path.Combine(dir, f), "");
        return dir;
    }

    [Test]
    public void Finds_one_file_per_split_plain_or_gzip_and_names_the_treebank_by_its_prefix()
    {
        var dir = Folder("xx_test-ud-train.conllu.gz", "xx_test-ud-dev.conllu", "xx_test-ud-test.conllu.gz", "README.md", "stats.xml");
        var treebank = Treebank.FromFolder(dir, "--treebank");
        Assert.Multiple(() =>
        {
            Assert.That(treebank.Name, Is.EqualTo("xx_test"));
            Assert.That(treebank.Files.Select(Path.GetFileName),
                Is.EqualTo(new[] { "xx_test-ud-train.conllu.gz", "xx_test-ud-dev.conllu", "xx_test-ud-test.conllu.gz" }));
            Assert.That(treebank.PathOf("dev"), Is.EqualTo(Path.Combine(dir, "xx_test-ud-dev.conllu")));
        });
    }

    [Test]
    public void A_missing_split_is_one_line_naming_the_pattern_the_folder_and_the_option()
    {
        var dir = Folder("xx_test-ud-train.conllu", "xx_test-ud-test.conllu");
        var error = Assert.Throws<DatasetNotFoundException>(() => Treebank.FromFolder(dir, "--treebank"))!;
        Assert.That(error.Message, Does.Contain("*-ud-dev.conllu").And.Contain(dir).And.Contain("--treebank").And.Not.Contain("\n"));
    }

    [Test]
    public void Several_candidates_for_one_split_are_refused_by_name()
    {
        var dir = Folder("xx_a-ud-train.conllu", "xx_a-ud-train.conllu.gz", "xx_a-ud-dev.conllu", "xx_a-ud-test.conllu");
        var error = Assert.Throws<DatasetNotFoundException>(() => Treebank.FromFolder(dir, "POSLF_TREEBANK"))!;
        Assert.That(error.Message, Does.Contain("several train files").And.Contain("xx_a-ud-train.conllu, xx_a-ud-train.conllu.gz")
            .And.Contain("POSLF_TREEBANK"));
    }

    [Test]
    public void Files_of_two_treebanks_in_one_folder_are_refused()
    {
        var dir = Folder("xx_a-ud-train.conllu", "xx_a-ud-dev.conllu", "xx_b-ud-test.conllu");
        Assert.That(() => Treebank.FromFolder(dir, "--treebank"),
            Throws.TypeOf<DatasetNotFoundException>().With.Message.Contains("different treebanks").And.Message.Contains("test: xx_b"));
    }

    [Test]
    public void A_folder_that_does_not_exist_is_named()
    {
        var missing = Path.Combine(_root, "nope");
        Assert.That(() => Treebank.FromFolder(missing, "--treebank"),
            Throws.TypeOf<DatasetNotFoundException>().With.Message.Contains(missing).And.Message.Contains("does not exist"));
    }

    [Test]
    public void Treebank_option_wins_then_data_dir_then_the_treebank_variable_then_EWT()
    {
        var ewt = Folder("en_ewt-ud-train.conllu", "en_ewt-ud-dev.conllu", "en_ewt-ud-test.conllu");
        var other = Folder("fr_x-ud-train.conllu", "fr_x-ud-dev.conllu", "fr_x-ud-test.conllu");
        Func<string, string?> env = name => name switch
        {
            DatasetLocator.TreebankVariable => other,
            DatasetLocator.EnvironmentVariable => ewt,
            _ => null,
        };
        Func<string, string?> onlyDataDirVariable = name => name == DatasetLocator.EnvironmentVariable ? ewt : null;
        Assert.Multiple(() =>
        {
            Assert.That(DatasetLocator.LocateTreebank(other, null, onlyDataDirVariable).Name, Is.EqualTo("fr_x"));
            Assert.That(DatasetLocator.LocateTreebank(null, ewt, env).Name, Is.EqualTo("en_ewt"), "--data-dir beats POSLF_TREEBANK");
            Assert.That(DatasetLocator.LocateTreebank(null, null, env).Name, Is.EqualTo("fr_x"), "POSLF_TREEBANK beats POSLF_DATA_DIR");
            Assert.That(DatasetLocator.LocateTreebank(null, null, onlyDataDirVariable).Directory, Is.EqualTo(ewt));
            Assert.That(() => DatasetLocator.LocateTreebank(other, ewt, env), Throws.ArgumentException.With.Message.Contains("not both"));
        });
    }

    // The README tables of the shared release folders: sentences, words (UPOS-bearing), MWT ranges, empty nodes, sha256.
    private static readonly object[] ReleaseTables =
    [
        new object[] { "ud-english-lines", "en_lines", "train", 3_457, 64_684, 690, 0, "27609ded288bf3704def21f18d227e3f40957b4981174411f6bed34acf3025b6" },
        new object[] { "ud-english-lines", "en_lines", "dev", 1_118, 21_637, 250, 0, "3aabd1f843517fb615c8760c316a76125af2fff01c59b9a4049fe7c393891d2b" },
        new object[] { "ud-english-lines", "en_lines", "test", 1_121, 19_984, 228, 0, "14c56b50da6d8876ce1fdaa9b19c2845dfff73ff57766ddc2f812d88612ce3a8" },
        new object[] { "ud-french-sequoia", "fr_sequoia", "train", 2_231, 50_502, 1_360, 0, "56424954edf9d20a4d1184e37bfe931fb7c64da82bf2a587b4f35b828d79d767" },
        new object[] { "ud-french-sequoia", "fr_sequoia", "dev", 412, 9_999, 282, 0, "a5138dc5e8886484c2f8919e97113f56b9e4329e5cf2a999c021d6ee45e8b45d" },
        new object[] { "ud-french-sequoia", "fr_sequoia", "test", 456, 10_044, 310, 0, "a650e7a223fe191009ded17cedae740659449be20354bd68205c376de4ddef2d" },
    ];

    [TestCaseSource(nameof(ReleaseTables))]
    public void Release_files_count_as_their_README_says(string folder, string name, string split, int sentences, int words, int ranges,
        int emptyNodes, string sha256)
    {
        var treebank = Treebank.FromFolder(Path.Combine(TestPaths.SharedDir, "datasets", folder), "test");
        var counts = SplitCounts.Of(treebank.Load(split));
        Assert.Multiple(() =>
        {
            Assert.That(treebank.Name, Is.EqualTo(name));
            Assert.That(counts, Is.EqualTo(new SplitCounts(sentences, words, ranges, emptyNodes)));
            Assert.That(treebank.Identity.Splits.Single(s => s.Split == split).Sha256, Is.EqualTo(sha256));
        });
    }

    [Test]
    public void EWT_keeps_the_dataset_inputs_it_always_had_so_its_runs_keep_their_hash()
    {
        var ewt = DatasetLocator.LocateTreebank(null, TestPaths.DatasetDir);
        Assert.That(ewt.Identity.ToHashJson().Select(n => n!.GetValue<string>()),
            Is.EqualTo(EwtDataset.Splits.Select(s => $"{s.Name}:{s.Sha256}")));
        Assert.That(ewt.Name, Is.EqualTo("en_ewt"));
    }

    [Test]
    public void A_profile_train_limit_is_an_upper_bound_and_the_real_count_is_kept()
    {
        var treebank = Treebank.FromFolder(Tests.Experiments.TinyWorld.DataDir, "test");
        var more = ExperimentData.Load(Tests.Experiments.TinyWorld.Model, Tests.Experiments.TinyWorld.Profile with { TrainSentences = 10_000 }, treebank);
        var fewer = ExperimentData.Load(Tests.Experiments.TinyWorld.Model, Tests.Experiments.TinyWorld.Profile with { TrainSentences = 5 }, treebank);
        Assert.Multiple(() =>
        {
            Assert.That(more.Train.Sentences, Has.Count.EqualTo(Tests.Experiments.TinyWorld.TrainSentences));
            Assert.That(fewer.Train.Sentences, Has.Count.EqualTo(5));
            Assert.That(fewer.Train.File.Sentences, Is.EqualTo(Tests.Experiments.TinyWorld.TrainSentences), "the file's own count is kept");
            var record = fewer.TreebankRecord();
            Assert.That(record.Name, Is.EqualTo("en_ewt"));
            Assert.That(record.Train!.Sentences, Is.EqualTo(Tests.Experiments.TinyWorld.TrainSentences));
            Assert.That(record.Dev!.Words, Is.EqualTo(fewer.Dev.Words));
            Assert.That(record.Test!.Sha256, Is.EqualTo(DatasetFetcher.Sha256OfContent(treebank.PathOf("test"))));
        });
    }

    [Test]
    public void Words_of_a_multiword_token_count_and_ranges_and_empty_nodes_do_not()
    {
        var dir = Folder();
        var path = Path.Combine(dir, "xx-ud-dev.conllu");
        File.WriteAllText(path,
            "# sent_id = 1\n" +
            "1-2\tau\t_\t_\t_\t_\t_\t_\t_\t_\n" +
            "1\tà\tà\tADP\t_\t_\t3\tcase\t_\t_\n" +
            "2\tle\tle\tDET\t_\t_\t3\tdet\t_\t_\n" +
            "3\tmarché\tmarché\tNOUN\t_\t_\t0\troot\t_\t_\n" +
            "3.1\tva\taller\tVERB\t_\t_\t_\t_\t0:root\t_\n\n");
        var sentence = ConlluReader.Read(path).Single();
        Assert.That((sentence.Words.Count, sentence.MultiwordTokens, sentence.EmptyNodes), Is.EqualTo((3, 1, 1)));
        Assert.That(sentence.Forms(), Is.EqualTo(new[] { "à", "le", "marché" }));
    }
}
