using System.Text.Json.Nodes;
using POSLayerFreeze.Evaluation;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Tests.Evaluation;

/// <summary>
/// The evaluation types' contracts at their edges: the confusion matrix's orientation and JSON, the refusal of
/// malformed files and inputs word for word (a results file edited by hand must say what is wrong, not crash), and
/// copies that cannot alias. Written against Stryker's survivors in eng/stryker/reports.
/// </summary>
public sealed class EvaluationContractTests
{
    private static readonly string[] Ab = ["A", "B"];

    private static int[] Ints(params int[] values) => values;

    [Test]
    public void TheConfusionMatrixIsGoldRowsByPredictedColumnsInItsJsonToo()
    {
        // asymmetric so a transposed write or read shows
        var matrix = new ConfusionMatrix(Ab, new[,] { { 5, 1 }, { 2, 7 } });
        Assert.That(matrix.ToJson().ToJsonString(), Is.EqualTo("{\"labels\":[\"A\",\"B\"],\"rows\":[[5,1],[2,7]]}"));
        var back = ConfusionMatrix.FromJson(JsonNode.Parse("{\"labels\":[\"A\",\"B\"],\"rows\":[[5,1],[2,7]]}")!);
        Assert.That((back[0, 1], back[1, 0], back.TagNames), Is.EqualTo((1, 2, Ab)));
        // a null cell is a zero count
        Assert.That(ConfusionMatrix.FromJson(JsonNode.Parse("{\"labels\":[\"A\",\"B\"],\"rows\":[[5,null],[2,7]]}")!)[0, 1], Is.Zero);
    }

    [Test]
    public void TheConfusionMatrixOwnsItsCounts()
    {
        var counts = new[,] { { 5, 1 }, { 2, 7 } };
        var tags = new List<string>(Ab);
        var matrix = new ConfusionMatrix(tags, counts);
        counts[0, 0] = 99;
        tags[0] = "Z";
        var copy = matrix.ToArray();
        copy[1, 1] = 99;
        Assert.That((matrix[0, 0], matrix[1, 1], matrix.TagNames[0]), Is.EqualTo((5, 7, "A")));
    }

    [Test]
    public void AConfusionMatrixOfTheWrongShapeIsRefused()
    {
        Assert.That(Assert.Throws<ArgumentException>(() => _ = new ConfusionMatrix(Ab, new int[2, 3]))!.Message,
            Is.EqualTo("A confusion matrix over 2 tags must be 2×2, got 2×3. (Parameter 'counts')"));
        Assert.That(Assert.Throws<ArgumentException>(() => _ = new ConfusionMatrix(Ab, new int[3, 2]))!.Message,
            Is.EqualTo("A confusion matrix over 2 tags must be 2×2, got 3×2. (Parameter 'counts')"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => _ = new ConfusionMatrix(null!, new int[2, 2]))!.ParamName, Is.EqualTo("tagNames"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => _ = new ConfusionMatrix(Ab, null!))!.ParamName, Is.EqualTo("counts"));
    }

    [TestCase("{\"rows\":[]}", "Confusion JSON has no 'labels'.")]
    [TestCase("{\"labels\":[\"A\",null],\"rows\":[]}", "Confusion label is null.")]
    [TestCase("{\"labels\":[\"A\",\"B\"]}", "Confusion JSON has no 'rows'.")]
    [TestCase("{\"labels\":[\"A\",\"B\"],\"rows\":[[1,2]]}", "Confusion JSON has 1 rows for 2 labels.")]
    [TestCase("{\"labels\":[\"A\",\"B\"],\"rows\":[[1,2],null]}", "Confusion row 1 is null.")]
    [TestCase("{\"labels\":[\"A\",\"B\"],\"rows\":[[1,2],[3]]}", "Confusion row 1 has 1 columns for 2 labels.")]
    [TestCase("{\"labels\":[\"A\",\"B\"],\"rows\":[[1,2,3],[3,4]]}", "Confusion row 0 has 3 columns for 2 labels.")]
    public void AMalformedConfusionFileSaysWhatIsWrong(string json, string message)
    {
        Assert.That(Assert.Throws<FormatException>(() => ConfusionMatrix.FromJson(JsonNode.Parse(json)!))!.Message, Is.EqualTo(message));
    }

    [Test]
    public void MalformedMetricsFilesSayWhatIsMissing()
    {
        Assert.That(Assert.Throws<FormatException>(() => TagMetrics.FromJson(JsonNode.Parse("{\"accuracy\":1}")!))!.Message,
            Is.EqualTo("Tag metrics JSON has no 'confusion'."));
        Assert.That(Assert.Throws<FormatException>(() => MeanSd.FromJson(JsonNode.Parse("{\"mean\":1,\"n\":2}")!))!.Message,
            Is.EqualTo("JSON has no 'sd'."));
        Assert.That(Assert.Throws<FormatException>(() => MeanSd.FromJson(JsonNode.Parse("{\"mean\":1,\"sd\":2}")!))!.Message,
            Is.EqualTo("JSON has no 'n'."));
        Assert.That(Assert.Throws<FormatException>(() => BootstrapResult.FromJson(JsonNode.Parse("{\"difference\":1}")!))!.Message,
            Is.EqualTo("Bootstrap JSON has no 'seed'."));
        Assert.Throws<ArgumentNullException>(() => TagMetrics.FromJson(null!));
        Assert.Throws<ArgumentNullException>(() => MeanSd.FromJson(null!));
        Assert.Throws<ArgumentNullException>(() => BootstrapResult.FromJson(null!));
        Assert.Throws<ArgumentNullException>(() => ConfusionMatrix.FromJson(null!));
    }

    [Test]
    public void NonFiniteNumbersNeverReachAResultsFile()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MeanSd(double.NaN, 0, 1).ToJson());
        Assert.That(error!.Message, Does.StartWith("JSON numbers must be finite. (Parameter 'value')"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MeanSd(0.5, double.PositiveInfinity, 2).ToJson());
    }

    [Test]
    public void MeanSdOfTwoValuesAndItsRefusals()
    {
        // mean 2, deviations ±1, squares 2, over n − 1 = 1 → sd √2
        Assert.That(MeanSd.Of([1.0, 3.0]), Is.EqualTo(new MeanSd(2, Math.Sqrt(2), 2)));
        Assert.That(Invariant.ToJson(new MeanSd(0.5, 0.25, 3).ToJson()), Is.EqualTo("{\n  \"mean\": 0.5,\n  \"n\": 3,\n  \"sd\": 0.25\n}"));
        Assert.Throws<ArgumentNullException>(() => MeanSd.Of(null!));
        Assert.That(Assert.Throws<ArgumentException>(() => MeanSd.Of([]))!.Message,
            Is.EqualTo("Mean and sd need at least one value. (Parameter 'values')"));
    }

    [Test]
    public void TagMetricsRefusalsNameSentenceWordAndSide()
    {
        Assert.That(Assert.Throws<ArgumentException>(() => TagMetrics.Compute([], [], []))!.Message,
            Is.EqualTo("At least one tag name is required. (Parameter 'tagNames')"));
        Assert.That(Assert.Throws<ArgumentException>(() => TagMetrics.Compute([[0]], [], Ab))!.Message,
            Is.EqualTo("Gold has 1 sentences but predictions have 0. (Parameter 'predicted')"));
        Assert.That(Assert.Throws<ArgumentException>(() => TagMetrics.Compute([[0, 1]], [[0]], Ab))!.Message,
            Is.EqualTo("Sentence 0: 2 gold tags but 1 predicted tags. (Parameter 'predicted')"));
        var gold = Assert.Throws<ArgumentOutOfRangeException>(() => TagMetrics.Compute([[0], [1, 2]], [[0], [1, 1]], Ab));
        Assert.That((gold!.ParamName, gold.Message), Is.EqualTo(("gold",
            "Sentence 1, word 1: gold tag id 2 is outside 0..1. (Parameter 'gold')\nActual value was 2.")));
        var predicted = Assert.Throws<ArgumentOutOfRangeException>(() => TagMetrics.Compute([[1]], [[-1]], Ab));
        Assert.That(predicted!.Message, Does.StartWith("Sentence 0, word 0: predicted tag id -1 is outside 0..1."));
        Assert.Throws<ArgumentNullException>(() => TagMetrics.Compute(null!, [], Ab));
        Assert.Throws<ArgumentNullException>(() => TagMetrics.Compute([], null!, Ab));
        Assert.Throws<ArgumentNullException>(() => TagMetrics.Compute([], [], null!));
        Assert.Throws<ArgumentNullException>(() => TagMetrics.FromConfusion(null!));
        // the last tag id is a tag
        Assert.That(TagMetrics.Compute([[1]], [[1]], Ab).Accuracy, Is.EqualTo(1));
    }

    [Test]
    public void PerTagJsonHoldsEveryScore()
    {
        // gold [A B B], predicted [A A B]: A P ½ R 1; B P 1 R ½
        var m = TagMetrics.Compute([[0, 1, 1]], [[0, 0, 1]], Ab);
        var json = m.ToJson();
        Assert.That(json["per_tag"]!["A"]!.ToJsonString(), Is.EqualTo(
            "{\"precision\":0.5,\"recall\":1,\"f1\":" + Invariant.Format(2.0 / 3) + ",\"support\":1,\"predicted\":2}"));
        Assert.That(json["per_tag"]!["B"]!.ToJsonString(), Is.EqualTo(
            "{\"precision\":1,\"recall\":0.5,\"f1\":" + Invariant.Format(2.0 / 3) + ",\"support\":2,\"predicted\":1}"));
        Assert.That((json["words"]!.GetValue<int>(), json["correct"]!.GetValue<int>()), Is.EqualTo((3, 2)));
        Assert.That(json["confusion"]!.ToJsonString(), Is.EqualTo("{\"labels\":[\"A\",\"B\"],\"rows\":[[1,0],[1,1]]}"));
    }

    [Test]
    public void BootstrapRefusalsSayWhichSentenceAndSide()
    {
        int[] two = [2, 2];
        Assert.That(Assert.Throws<ArgumentException>(() => PairedBootstrap.Compare(Ints(1, 1), Ints(1, 1), [2, -1]))!.Message,
            Is.EqualTo("Sentence 1 has a negative word count. (Parameter 'words')"));
        Assert.That(Assert.Throws<ArgumentException>(() => PairedBootstrap.Compare(Ints(1, 3), Ints(1, 1), two))!.Message,
            Is.EqualTo("Sentence 1: correct counts A 3 and B 1 must lie within 0..2 words."));
        Assert.Throws<ArgumentException>(() => PairedBootstrap.Compare(Ints(1, -1), Ints(1, 1), two));
        Assert.Throws<ArgumentException>(() => PairedBootstrap.Compare(Ints(1, 1), Ints(1, 3), two));
        Assert.Throws<ArgumentException>(() => PairedBootstrap.Compare(Ints(1, 1), Ints(-1, 1), two));
        Assert.That(Assert.Throws<ArgumentException>(() => PairedBootstrap.Compare(Ints(0, 0), Ints(0, 0), [0, 0]))!.Message,
            Is.EqualTo("The sentences hold no words. (Parameter 'words')"));
        Assert.That(Assert.Throws<ArgumentException>(() => PairedBootstrap.Compare(Array.Empty<int>(), [], []))!.Message,
            Is.EqualTo("The bootstrap needs at least one sentence. (Parameter 'words')"));
        Assert.That(Assert.Throws<ArgumentException>(() => PairedBootstrap.Compare(Ints(1), Ints(1, 1), two))!.Message,
            Is.EqualTo("Per-sentence lists differ in length: A 1, B 2, words 2."));
        Assert.Throws<ArgumentException>(() => PairedBootstrap.Compare(Ints(1, 1), Ints(1), two));
        Assert.That(Assert.Throws<ArgumentException>(() => PairedBootstrap.CompareSeeds([], [[1, 1]], two))!.Message,
            Is.EqualTo("The baseline side has no seeds. (Parameter 'baseline')"));
        Assert.That(Assert.Throws<ArgumentException>(() => PairedBootstrap.CompareSeeds([[1, 1]], [[1]], two))!.Message,
            Is.EqualTo("A config seed has 1 sentences, expected 2. (Parameter 'config')"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => PairedBootstrap.CompareSeeds(null!, [[1, 1]], two))!.ParamName, Is.EqualTo("baseline"));
        Assert.Throws<ArgumentNullException>(() => PairedBootstrap.CompareSeeds([[1, 1]], [[1, 1]], null!));
        Assert.Throws<ArgumentNullException>(() => PairedBootstrap.Compare((int[])null!, Ints(1), [1]));
        Assert.Throws<ArgumentNullException>(() => PairedBootstrap.Compare(Ints(1), (int[])null!, [1]));
        Assert.Throws<ArgumentNullException>(() => PairedBootstrap.Compare(new double[1], null!, [1]));
        Assert.Throws<ArgumentNullException>(() => PairedBootstrap.Compare(null!, new double[1], [1]));
        Assert.Throws<ArgumentNullException>(() => PairedBootstrap.Compare(new double[1], new double[1], null!));
        // correct = words is allowed (a perfectly tagged sentence), and one resample is enough to run
        Assert.That(PairedBootstrap.Compare(Ints(2, 2), Ints(2, 2), two, resamples: 1).PValue, Is.EqualTo(1));
    }

    [Test]
    public void TheBootstrapSeedIsTextInTheFile()
    {
        var result = new BootstrapResult(0.01, -0.02, 0.03, 0.5, 100, ulong.MaxValue, 7, 90);
        var json = result.ToJson();
        Assert.That(json.ToJsonString(), Is.EqualTo(
            "{\"difference\":0.01,\"ci_low\":-0.02,\"ci_high\":0.03,\"p_value\":0.5,\"resamples\":100,\"seed\":\"18446744073709551615\",\"sentences\":7,\"words\":90}"));
        Assert.That(BootstrapResult.FromJson(JsonNode.Parse(json.ToJsonString())!), Is.EqualTo(result));
    }

    [Test]
    public void StudentTRefusalsAndTheInfiniteEnds()
    {
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Cdf(1, -1))!.Message,
            Does.StartWith("The t distribution needs df > 0 and a number t. (Parameter 'df')"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.TwoSidedP(1, 0))!.Message,
            Does.StartWith("The t distribution needs df > 0 and a number t. (Parameter 'df')"));
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.TwoSidedP(double.NaN, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.TwoSidedP(1, double.NaN));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Quantile(0.5, 0))!.Message,
            Does.StartWith("The t distribution needs df > 0. (Parameter 'df')"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Quantile(double.NaN, 3))!.Message,
            Does.StartWith("A quantile needs 0 < p < 1. (Parameter 'p')"));
        Assert.That((StudentT.Cdf(double.PositiveInfinity, 3), StudentT.Cdf(double.NegativeInfinity, 3)), Is.EqualTo((1.0, 0.0)));
        Assert.That((StudentT.TwoSidedP(double.PositiveInfinity, 3), StudentT.TwoSidedP(double.NegativeInfinity, 3)), Is.EqualTo((0.0, 0.0)));
        Assert.That((StudentT.TwoSidedP(0, 3), StudentT.Cdf(0, 3), StudentT.Quantile(0.5, 3)), Is.EqualTo((1.0, 0.5, 0.0)));
    }
}
