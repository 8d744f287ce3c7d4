using POSLayerFreeze.Models;
using POSLayerFreeze.Tokenization;
using POSLayerFreeze.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Training;

/// <summary>
/// Tagging: batched, padded predictions equal each window's own forward pass read at its words' first sub-tokens,
/// mapped back to the sentence; progress per batch; every word predicted exactly once, or the run refuses by name.
/// </summary>
[TestFixture]
public sealed class PredictorTests
{
    private const int Labels = 5;
    private const int Cls = 2, Sep = 3;

    private static TokenClassifier Tiny()
    {
        torch.manual_seed(5);
        var model = new TokenClassifier(new BertConfig(vocabSize: 60, hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2,
            intermediateSize: 32, maxPositionEmbeddings: 64), numLabels: Labels);
        model.InitializeClassifier();
        // A head of N(0, 0.02) may rank the same tag first everywhere; a larger one makes the tags vary by position.
        using (no_grad()) model.ClassifierParameters()[0].mul_(50);
        return model;
    }

    /// <summary>
    /// A window over words <paramref name="firstWord"/>…<paramref name="firstWord"/> + <paramref name="words"/> − 1 of a
    /// sentence: [CLS], each word one sub-token (every third two, the second unlabelled), [SEP].
    /// </summary>
    private static SentenceWindow Window(int firstWord, int words, int salt)
    {
        var ids = new List<int> { Cls };
        var wordIndex = new List<int> { -1 };
        for (var w = firstWord; w < firstWord + words; w++)
        {
            ids.Add(5 + (13 * w + 7 * salt) % 55);
            wordIndex.Add(w);
            if (w % 3 != 2) continue;
            ids.Add(5 + (11 * w + salt) % 55);
            wordIndex.Add(-1);
        }
        ids.Add(Sep);
        wordIndex.Add(-1);
        return new SentenceWindow([.. ids], [.. ids.Select(_ => -100)], [.. wordIndex], firstWord, words);
    }

    /// <summary>Each window's own forward (batch of one, no padding), argmax at its words.</summary>
    private static int[][] OneByOne(TokenClassifier model, IReadOnlyList<SentenceWindow[]> sentences, IReadOnlyList<int> wordCounts)
    {
        model.eval();
        using var noGrad = no_grad();
        var predictions = wordCounts.Select(n => new int[n]).ToArray();
        for (var s = 0; s < sentences.Count; s++)
            foreach (var window in sentences[s])
            {
                using var scope = NewDisposeScope();
                var ids = tensor(window.InputIds.Select(i => (long)i).ToArray(), [1, window.Length]);
                var mask = ones([1, window.Length], dtype: int64);
                var best = model.call(ids, mask).argmax(-1).data<long>().ToArray();
                for (var t = 0; t < window.Length; t++)
                    if (window.WordIndex[t] >= 0) predictions[s][window.WordIndex[t]] = (int)best[t];
            }
        return predictions;
    }

    [Test]
    public void BatchedPredictionsAreEachWindowsOwnAtItsWordsFirstSubTokens()
    {
        using var model = Tiny();
        // Three sentences: one of two windows, two of one; lengths differ, so batches of 2 pad and hold several rows.
        SentenceWindow[][] sentences = [[Window(0, 6, 1), Window(6, 3, 2)], [Window(0, 2, 3)], [Window(0, 9, 4)]];
        int[] wordCounts = [9, 2, 9];
        var expected = OneByOne(model, sentences, wordCounts);
        Assert.That(expected.SelectMany(p => p).Distinct().Count(), Is.GreaterThan(1), "the premise: tags vary, so a misread position shows");
        model.train();
        var progress = new List<(int Done, int Total)>();
        var predicted = Predictor.Predict(model, sentences, wordCounts, batchSize: 2, padId: 0, (done, total) => progress.Add((done, total)));
        Assert.That(predicted, Is.EqualTo(expected));
        Assert.That(progress, Is.EqualTo(new[] { (0, 2), (1, 2) }), "called before each batch: 4 windows in batches of 2");
        Assert.That(model.training, Is.True, "the caller's mode is restored");
    }

    [Test]
    public void AWordInTwoWindowsIsRefusedNamingSentenceAndWord()
    {
        using var model = Tiny();
        SentenceWindow[][] sentences = [[Window(0, 2, 1)], [Window(0, 3, 1), Window(2, 2, 2)]];
        Assert.That(() => Predictor.Predict(model, sentences, [2, 4], batchSize: 8, padId: 0),
            Throws.InvalidOperationException.With.Message.EqualTo("sentence 1: word 2 predicted twice (overlapping windows)"));
    }

    [TestCase(1, 0)]   // words 1–3 of 4 covered: word 0, the first index, is missing
    [TestCase(0, 3)]   // words 0–2 of 4 covered: the last
    public void AWordInNoWindowIsRefusedNamingSentenceAndWord(int firstWord, int missing)
    {
        using var model = Tiny();
        SentenceWindow[][] sentences = [[Window(0, 2, 1)], [Window(firstWord, 3, 2)]];
        Assert.That(() => Predictor.Predict(model, sentences, [2, 4], batchSize: 8, padId: 0),
            Throws.InvalidOperationException.With.Message.EqualTo($"sentence 1: word {missing} got no prediction"));
    }
}
