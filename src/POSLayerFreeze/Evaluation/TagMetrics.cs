using System.Text.Json.Nodes;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Evaluation;

/// <summary>Precision, recall and F1 of one tag; <see cref="Support"/> counts gold words, <see cref="Predicted"/> predictions.</summary>
public sealed record TagScore(double Precision, double Recall, double F1, int Support, int Predicted);

/// <summary>
/// Word-level tagging metrics over every gold word (no word is skipped, so accuracy is the CoNLL 2018 UPOS score
/// when each sentence's predictions cover its words).
/// </summary>
/// <remarks>
/// Zero divisions give 0, as scikit-learn's <c>zero_division=0</c>. <see cref="MacroF1"/> is scikit-learn's
/// <c>f1_score(average="macro")</c> without a <c>labels</c> argument: the unweighted mean of per-tag F1 over the
/// tags that occur in the gold tags or in the predictions (a tag absent from both does not drag the mean to 0;
/// a tag only predicted counts with F1 0).
/// </remarks>
public sealed record TagMetrics(
    double Accuracy,
    int Words,
    int Correct,
    double MacroF1,
    IReadOnlyDictionary<string, TagScore> PerTag,
    ConfusionMatrix Confusion)
{
    /// <summary>
    /// Scores <paramref name="predicted"/> against <paramref name="gold"/>: one array of tag ids per sentence, ids
    /// indexing <paramref name="tagNames"/>. Sentence counts and lengths must match.
    /// </summary>
    public static TagMetrics Compute(IReadOnlyList<int[]> gold, IReadOnlyList<int[]> predicted, IReadOnlyList<string> tagNames)
    {
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(tagNames);
        if (tagNames.Count == 0) throw new ArgumentException("At least one tag name is required.", nameof(tagNames));
        if (gold.Count != predicted.Count)
            throw new ArgumentException($"Gold has {gold.Count} sentences but predictions have {predicted.Count}.", nameof(predicted));

        var confusion = new int[tagNames.Count, tagNames.Count];
        for (var s = 0; s < gold.Count; s++)
        {
            var g = gold[s];
            var p = predicted[s];
            if (g.Length != p.Length)
                throw new ArgumentException($"Sentence {s}: {g.Length} gold tags but {p.Length} predicted tags.", nameof(predicted));
            for (var w = 0; w < g.Length; w++)
            {
                CheckId(g[w], tagNames.Count, "gold", s, w);
                CheckId(p[w], tagNames.Count, "predicted", s, w);
                confusion[g[w], p[w]]++;
            }
        }
        return FromConfusion(new ConfusionMatrix(tagNames, confusion));
    }

    /// <summary>Derives every score from the confusion matrix (gold rows × predicted columns).</summary>
    public static TagMetrics FromConfusion(ConfusionMatrix confusion)
    {
        ArgumentNullException.ThrowIfNull(confusion);
        var n = confusion.TagNames.Count;
        var words = 0;
        var correct = 0;
        var perTag = new Dictionary<string, TagScore>(n, StringComparer.Ordinal);
        var f1Sum = 0.0;
        var present = 0;
        for (var t = 0; t < n; t++)
        {
            var truePositives = confusion[t, t];
            var support = 0;
            var predictedCount = 0;
            for (var o = 0; o < n; o++)
            {
                support += confusion[t, o];
                predictedCount += confusion[o, t];
            }
            words += support;
            correct += truePositives;
            var precision = Ratio(truePositives, predictedCount);
            var recall = Ratio(truePositives, support);
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            perTag.Add(confusion.TagNames[t], new TagScore(precision, recall, f1, support, predictedCount));
            if (support > 0 || predictedCount > 0)
            {
                f1Sum += f1;
                present++;
            }
        }
        return new TagMetrics(Ratio(correct, words), words, correct, present == 0 ? 0 : f1Sum / present, perTag, confusion);
    }

    /// <summary>
    /// <c>{accuracy, words, correct, macro_f1, per_tag: {TAG: {precision, recall, f1, support, predicted}}, confusion}</c>;
    /// serialize with <see cref="Invariant.ToJson"/>.
    /// </summary>
    public JsonObject ToJson()
    {
        var perTag = new JsonObject();
        foreach (var (tag, score) in PerTag)
        {
            perTag[tag] = new JsonObject
            {
                ["precision"] = EvaluationJson.Number(score.Precision),
                ["recall"] = EvaluationJson.Number(score.Recall),
                ["f1"] = EvaluationJson.Number(score.F1),
                ["support"] = score.Support,
                ["predicted"] = score.Predicted,
            };
        }
        return new JsonObject
        {
            ["accuracy"] = EvaluationJson.Number(Accuracy),
            ["words"] = Words,
            ["correct"] = Correct,
            ["macro_f1"] = EvaluationJson.Number(MacroF1),
            ["per_tag"] = perTag,
            ["confusion"] = Confusion.ToJson(),
        };
    }

    /// <summary>Reads what <see cref="ToJson"/> wrote; scores are recomputed from the confusion matrix.</summary>
    public static TagMetrics FromJson(JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var confusion = node["confusion"] ?? throw new FormatException("Tag metrics JSON has no 'confusion'.");
        return FromConfusion(ConfusionMatrix.FromJson(confusion));
    }

    private static double Ratio(int numerator, int denominator) => denominator == 0 ? 0 : (double)numerator / denominator;

    private static void CheckId(int id, int tagCount, string side, int sentence, int word)
    {
        if ((uint)id >= (uint)tagCount)
            throw new ArgumentOutOfRangeException(side, id, $"Sentence {sentence}, word {word}: {side} tag id {id} is outside 0..{tagCount - 1}.");
    }
}
