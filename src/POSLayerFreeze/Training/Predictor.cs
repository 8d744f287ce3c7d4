using POSLayerFreeze.Models;
using POSLayerFreeze.Tokenization;
using static TorchSharp.torch;

namespace POSLayerFreeze.Training;

/// <summary>
/// Tags every word of a split: eval mode, no_grad, windows batched by length, argmax at each word's first
/// sub-token, mapped back to the sentence. Every word gets exactly one prediction (checked).
/// </summary>
public static class Predictor
{
    /// <param name="windows">Each sentence's windows (a short sentence has one).</param>
    /// <param name="wordCounts">Words per sentence.</param>
    /// <param name="progress">Called before each batch with (batches done, batches in all).</param>
    public static int[][] Predict(TokenClassifier model, IReadOnlyList<SentenceWindow[]> windows, IReadOnlyList<int> wordCounts,
        int batchSize, int padId, Action<int, int>? progress = null)
    {
        var device = model.ClassifierParameters()[0].device;
        var flat = new List<(int Sentence, SentenceWindow Window)>();
        for (var s = 0; s < windows.Count; s++)
            foreach (var w in windows[s]) flat.Add((s, w));
        var predictions = wordCounts.Select(n => Enumerable.Repeat(-1, n).ToArray()).ToArray();
        var flatWindows = flat.Select(f => f.Window).ToArray();
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            var batches = BatchSampler.LongestFirst(flatWindows.Select(w => w.Length).ToArray(), batchSize);
            var done = 0;
            foreach (var batch in batches)
            {
                progress?.Invoke(done++, batches.Length);
                using var scope = NewDisposeScope();
                var padded = PaddedBatch.Of(flatWindows, batch, padId);
                var (ids, mask, _) = padded.ToDevice(device);
                var best = model.call(ids, mask).argmax(-1).to(CPU).data<long>().ToArray();   // [B·T]
                for (var row = 0; row < batch.Length; row++)
                {
                    var (sentence, window) = flat[batch[row]];
                    for (var t = 0; t < window.Length; t++)
                    {
                        var word = window.WordIndex[t];
                        if (word < 0) continue;
                        if (predictions[sentence][word] != -1)
                            throw new InvalidOperationException($"sentence {sentence}: word {word} predicted twice (overlapping windows)");
                        predictions[sentence][word] = (int)best[row * padded.Length + t];
                    }
                }
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        for (var s = 0; s < predictions.Length; s++)
        {
            var missing = Array.IndexOf(predictions[s], -1);
            if (missing >= 0) throw new InvalidOperationException($"sentence {s}: word {missing} got no prediction");
        }
        return predictions;
    }
}
