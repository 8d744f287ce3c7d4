using System.Text.Json.Nodes;
using POSLayerFreeze.Evaluation;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Tests.Evaluation;

public sealed class TagMetricsTests
{
    private static readonly string[] Abc = ["A", "B", "C"];

    // gold [A A B] [B C], predicted [A B B] [C C]
    private static TagMetrics Example() =>
        TagMetrics.Compute([[0, 0, 1], [1, 2]], [[0, 1, 1], [2, 2]], Abc);

    [Test]
    public void AccuracyCountsEveryGoldWord()
    {
        var m = Example();
        // correct: s0 A=A, A≠B, B=B; s1 B≠C, C=C → 3 of 5
        Assert.That(m.Words, Is.EqualTo(5));
        Assert.That(m.Correct, Is.EqualTo(3));
        Assert.That(m.Accuracy, Is.EqualTo(0.6).Within(1e-15));
    }

    [Test]
    public void PerTagScoresMatchHandCounts()
    {
        var m = Example();
        // A: support 2, predicted 1, tp 1 → P 1, R 1/2, F1 2·1·½/(1+½) = 2/3
        AssertScore(m.PerTag["A"], 1.0, 0.5, 2.0 / 3, support: 2, predicted: 1);
        // B: support 2, predicted 2, tp 1 → P ½, R ½, F1 ½
        AssertScore(m.PerTag["B"], 0.5, 0.5, 0.5, support: 2, predicted: 2);
        // C: support 1, predicted 2, tp 1 → P ½, R 1, F1 2·½·1/(3/2) = 2/3
        AssertScore(m.PerTag["C"], 0.5, 1.0, 2.0 / 3, support: 1, predicted: 2);
        // macro: (2/3 + 1/2 + 2/3) / 3 = 11/18
        Assert.That(m.MacroF1, Is.EqualTo(11.0 / 18).Within(1e-12));
    }

    [Test]
    public void ConfusionHasGoldRowsAndPredictedColumns()
    {
        var c = Example().Confusion;
        // (gold, predicted): (A,A) (A,B) (B,B) (B,C) (C,C), one each
        int[,] expected = { { 1, 1, 0 }, { 0, 1, 1 }, { 0, 0, 1 } };
        Assert.That(c.ToArray(), Is.EqualTo(expected));
        Assert.That(c[0, 1], Is.EqualTo(1));
        Assert.That(c[1, 0], Is.Zero);
    }

    [Test]
    public void MacroF1AveragesOverTagsInGoldOrPredictions()
    {
        // tags A B C D; gold [A A], predicted [A C]
        var m = TagMetrics.Compute([[0, 0]], [[0, 2]], ["A", "B", "C", "D"]);
        // A: tp 1, support 2, predicted 1 → F1 2/3. C: only predicted → P 0 (0/1), R 0 (0/0 → 0), F1 0.
        // B and D occur nowhere and are left out: macro = (2/3 + 0) / 2 = 1/3 (scikit-learn's average="macro").
        Assert.That(m.MacroF1, Is.EqualTo(1.0 / 3).Within(1e-12));
        AssertScore(m.PerTag["B"], 0, 0, 0, support: 0, predicted: 0);
        AssertScore(m.PerTag["C"], 0, 0, 0, support: 0, predicted: 1);
        Assert.That(m.Accuracy, Is.EqualTo(0.5));
    }

    [Test]
    public void NoWordsGiveZerosNotNaN()
    {
        var m = TagMetrics.Compute([Array.Empty<int>()], [Array.Empty<int>()], Abc);
        Assert.That(m.Accuracy, Is.Zero);
        Assert.That(m.MacroF1, Is.Zero);
        Assert.That(m.Words, Is.Zero);
    }

    [Test]
    public void MismatchedShapesAndIdsAreRejected()
    {
        var sentences = Assert.Throws<ArgumentException>(() => TagMetrics.Compute([[0]], [[0], [1]], Abc));
        Assert.That(sentences!.Message, Does.Contain("1 sentences").And.Contain("2"));
        var lengths = Assert.Throws<ArgumentException>(() => TagMetrics.Compute([[0], [0, 1]], [[0], [0]], Abc));
        Assert.That(lengths!.Message, Does.Contain("Sentence 1: 2 gold tags but 1 predicted"));
        var id = Assert.Throws<ArgumentOutOfRangeException>(() => TagMetrics.Compute([[0, -100]], [[0, 1]], Abc));
        Assert.That(id!.Message, Does.Contain("gold tag id -100"));
        Assert.Throws<ArgumentOutOfRangeException>(() => TagMetrics.Compute([[0]], [[3]], Abc));
    }

    [Test]
    public void JsonRoundTripsAndUsesSnakeCaseKeysInOrder()
    {
        var m = Example();
        var text = Invariant.ToJson(m.ToJson());
        Assert.That(text, Does.Contain("\"accuracy\": 0.6,"));
        Assert.That(text.IndexOf("\"accuracy\"", StringComparison.Ordinal),
            Is.LessThan(text.IndexOf("\"macro_f1\"", StringComparison.Ordinal)));
        var back = TagMetrics.FromJson(JsonNode.Parse(text)!);
        Assert.That(back.Accuracy, Is.EqualTo(m.Accuracy));
        Assert.That(back.MacroF1, Is.EqualTo(m.MacroF1));
        Assert.That(back.Confusion.ToArray(), Is.EqualTo(m.Confusion.ToArray()));
        Assert.That(back.PerTag["C"], Is.EqualTo(m.PerTag["C"]));
        Assert.That(Invariant.ToJson(back.ToJson()), Is.EqualTo(text));
    }

    private static void AssertScore(TagScore s, double p, double r, double f1, int support, int predicted)
    {
        Assert.That(s.Precision, Is.EqualTo(p).Within(1e-12), "precision");
        Assert.That(s.Recall, Is.EqualTo(r).Within(1e-12), "recall");
        Assert.That(s.F1, Is.EqualTo(f1).Within(1e-12), "f1");
        Assert.That(s.Support, Is.EqualTo(support), "support");
        Assert.That(s.Predicted, Is.EqualTo(predicted), "predicted");
    }
}
