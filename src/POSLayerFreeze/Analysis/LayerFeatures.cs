using POSLayerFreeze.Models;
using POSLayerFreeze.Tokenization;
using POSLayerFreeze.Training;
using static TorchSharp.torch;

namespace POSLayerFreeze.Analysis;

/// <summary>
/// A split's per-layer word features: for each chosen hidden state (0 = the embeddings output, i = layer i's output,
/// Hugging Face's <c>hidden_states</c> numbering) one row of <see cref="Hidden"/> fp32 values per word, taken at the
/// word's first sub-token, words in sentence order. fp32 is how the encoder computed them; the probe widens a
/// layer at a time to double.
/// </summary>
public sealed class LayerFeatures
{
    private readonly float[][] values;

    private LayerFeatures(IReadOnlyList<int> layers, int words, int hidden, float[][] values)
    {
        (Layers, Words, Hidden, this.values) = (layers, words, hidden, values);
    }

    /// <summary>The hidden-state indices held, ascending.</summary>
    public IReadOnlyList<int> Layers { get; }
    public int Words { get; }
    public int Hidden { get; }

    /// <summary>Hidden state <paramref name="layer"/>'s rows, as [words, hidden] doubles.</summary>
    public double[,] Matrix(int layer)
    {
        var slot = Layers.ToList().IndexOf(layer);
        if (slot < 0) throw new ArgumentException($"hidden state {layer} was not extracted (have {string.Join(",", Layers)})", nameof(layer));
        var source = values[slot];
        var result = new double[Words, Hidden];
        for (var w = 0; w < Words; w++)
            for (var h = 0; h < Hidden; h++) result[w, h] = source[w * Hidden + h];
        return result;
    }

    /// <summary>
    /// Runs the encoder over every window in eval mode under no_grad, batched longest first as evaluation is, and
    /// keeps the chosen hidden states at each word's first sub-token. The forward is the model's own
    /// (<see cref="IEncoder.Encode"/> with hidden states): the numbers are those training and evaluation see.
    /// </summary>
    /// <param name="windows">Each sentence's windows (<see cref="WordPieceAligner.Windows"/>).</param>
    /// <param name="progress">(batches done, batches in all), before each batch.</param>
    public static LayerFeatures Extract(TokenClassifier model, IReadOnlyList<SentenceWindow[]> windows, IReadOnlyList<int> wordCounts,
        IReadOnlyList<int> layers, int batchSize, int padId, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(wordCounts);
        var chosen = layers.Distinct().Order().ToArray();
        var states = model.Config.NumLayers + 1;
        if (chosen.Length == 0 || chosen[0] < 0 || chosen[^1] >= states)
            throw new ArgumentException($"hidden states are 0..{model.Config.NumLayers} (0 = embeddings), got {string.Join(",", layers)}", nameof(layers));
        var hidden = model.Config.HiddenSize;
        var firstWord = new int[wordCounts.Count + 1];
        for (var s = 0; s < wordCounts.Count; s++) firstWord[s + 1] = firstWord[s] + wordCounts[s];
        var words = firstWord[^1];
        var values = chosen.Select(_ => new float[(long)words * hidden]).ToArray();
        var seen = new bool[words];

        var flat = new List<(int Sentence, SentenceWindow Window)>();
        for (var s = 0; s < windows.Count; s++)
            foreach (var w in windows[s]) flat.Add((s, w));
        var flatWindows = flat.Select(f => f.Window).ToArray();
        var device = model.ClassifierParameters()[0].device;
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            var batches = BatchSampler.LongestFirst(flatWindows.Select(w => w.Length).ToArray(), batchSize);
            for (var b = 0; b < batches.Length; b++)
            {
                progress?.Invoke(b, batches.Length);
                var batch = batches[b];
                using var scope = NewDisposeScope();
                var padded = PaddedBatch.Of(flatWindows, batch, padId);
                var (ids, mask, _) = padded.ToDevice(device);
                var hiddenStates = new List<Tensor>();
                model.Encoder.Encode(ids, mask, hiddenStates);
                // Positions (row·T + t) of labelled first sub-tokens, and the word each one is.
                var positions = new List<long>();
                var targets = new List<int>();
                for (var row = 0; row < batch.Length; row++)
                {
                    var (sentence, window) = flat[batch[row]];
                    for (var t = 0; t < window.Length; t++)
                    {
                        if (window.WordIndex[t] < 0) continue;
                        var word = firstWord[sentence] + window.WordIndex[t];
                        if (seen[word]) throw new InvalidOperationException($"sentence {sentence}: word {window.WordIndex[t]} in two windows");
                        seen[word] = true;
                        positions.Add((long)row * padded.Length + t);
                        targets.Add(word);
                    }
                }
                var index = tensor(positions.ToArray(), device: device);
                for (var slot = 0; slot < chosen.Length; slot++)
                {
                    var rows = hiddenStates[chosen[slot]].reshape(-1, hidden).index_select(0, index)  // [words in batch, H]
                        .to(ScalarType.Float32).cpu().data<float>().ToArray();
                    for (var k = 0; k < targets.Count; k++)
                        Array.Copy(rows, (long)k * hidden, values[slot], (long)targets[k] * hidden, hidden);
                }
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        var missing = Array.IndexOf(seen, false);
        if (missing >= 0) throw new InvalidOperationException($"word {missing} (in split order) got no features");
        return new LayerFeatures(chosen, words, hidden, values);
    }
}
