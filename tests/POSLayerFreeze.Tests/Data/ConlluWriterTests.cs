using POSLayerFreeze.Data;

namespace POSLayerFreeze.Tests.Data;

[TestFixture]
public class ConlluWriterTests
{
    private string _dir = "";

    private static T[] Seq<T>(params T[] items) => items;

    [SetUp]
    public void CreateDir() => _dir = Directory.CreateTempSubdirectory("poslf-writer-").FullName;

    [TearDown]
    public void DeleteDir() => Directory.Delete(_dir, recursive: true);

    /// <summary>The UPOS part of the CoNLL 2018 scorer under gold tokenization: correct words over all words.</summary>
    private static (int Correct, int Total) UposScore(IReadOnlyList<ConlluSentence> gold, IReadOnlyList<ConlluSentence> system)
    {
        Assert.That(system, Has.Count.EqualTo(gold.Count));
        int correct = 0, total = 0;
        for (int s = 0; s < gold.Count; s++)
        {
            Assert.That(system[s].Words.Select(w => w.Form), Is.EqualTo(gold[s].Words.Select(w => w.Form)));
            for (int w = 0; w < gold[s].Words.Count; w++)
            {
                total++;
                if (system[s].Words[w].Upos == gold[s].Words[w].Upos) correct++;
            }
        }
        return (correct, total);
    }

    [Test]
    public void GoldLabelsWrittenBackScoreOneHundredOnEwtTest()
    {
        var gold = new EwtDataset(TestPaths.DatasetDir).Load("test");
        var path = Path.Combine(_dir, "pred.conllu");

        ConlluWriter.Write(path, gold, [.. gold.Select(s => s.UposIds())]);
        var reread = ConlluReader.Read(path).ToList();

        Assert.That(UposScore(gold, reread), Is.EqualTo((25_094, 25_094)));
        Assert.That(DatasetFetcher.Sha256OfContent(path), Is.EqualTo(EwtDataset.Split("test").Sha256),
            "written from gold, the file is byte-identical to the release file");
    }

    [Test]
    public void OnlyTheUposColumnOfWordsChanges()
    {
        var gold = new EwtDataset(TestPaths.DatasetDir).Load("dev").Take(50).ToList();
        var predicted = gold.Select(s => s.Words.Select(_ => Upos.IdOf("X")).ToArray()).ToList();
        var path = Path.Combine(_dir, "pred.conllu.gz");

        ConlluWriter.Write(path, gold, predicted);
        var reread = ConlluReader.Read(path).ToList();

        var (correct, total) = UposScore(gold, reread);
        Assert.That(correct, Is.LessThan(total), "the scorer sees wrong tags");
        Assert.That(reread.SelectMany(s => s.Words).Select(w => w.Upos).Distinct(), Is.EqualTo(Seq("X")));
        for (int s = 0; s < gold.Count; s++)
        {
            Assert.That(reread[s].Lines, Has.Count.EqualTo(gold[s].Lines.Count));
            for (int i = 0; i < gold[s].Lines.Count; i++)
            {
                var g = gold[s].Lines[i].Split('\t');
                var r = reread[s].Lines[i].Split('\t');
                if (gold[s].WordLineIndexes.Contains(i)) { g[3] = "X"; }
                Assert.That(r, Is.EqualTo(g));
            }
        }
    }

    [Test]
    public void MismatchedPredictionsAreRejectedAndNothingIsWritten()
    {
        var gold = new EwtDataset(TestPaths.DatasetDir).Load("dev").Take(2).ToList();
        var path = Path.Combine(_dir, "pred.conllu");
        Assert.Throws<ArgumentException>(() => ConlluWriter.Write(path, gold, [gold[0].UposIds()]));
        Assert.Throws<ArgumentException>(() => ConlluWriter.Write(path, gold, [gold[0].UposIds(), [.. gold[1].UposIds().Skip(1)]]));
        Assert.Throws<ArgumentException>(() => ConlluWriter.Write(path, gold, [gold[0].UposIds(), [.. gold[1].UposIds().Select(_ => 17)]]));
        Assert.That(Directory.GetFiles(_dir), Is.Empty);
    }
}
