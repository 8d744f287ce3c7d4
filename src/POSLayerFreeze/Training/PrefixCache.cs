using POSLayerFreeze.Models;
using POSLayerFreeze.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace POSLayerFreeze.Training;

/// <summary>
/// Opt-in cached-prefix training (<c>poslf run --cached-prefix</c>). When the embeddings and layers 0..k are frozen,
/// their output for a window is fixed if they run without dropout: compute it once per training window (eval mode,
/// no grad), keep it in one flat device buffer, and per step run only layers k+1…L−1 and the head on the gathered
/// states. This changes the protocol — the frozen prefix sees no dropout — so it is recorded in the run's inputs and
/// metrics and is never the default. Padded positions get zero states: attention masks them as keys, and their
/// own outputs are never labelled, so real positions are unaffected.
/// </summary>
public sealed class PrefixCache : IDisposable
{
    private readonly Tensor _states;          // [realTokens + 1, H]; the last row is zeros (padding)
    private readonly long[] _offsets;         // window w starts at row _offsets[w]
    private readonly int[] _lengths;
    private readonly IReadOnlyList<nn.Module<Tensor, Tensor, Tensor>> _rest;
    private readonly TokenClassifier _model;
    private readonly long _hidden;
    private readonly Dictionary<IReadOnlyList<int>, Tensor> _prepared = new(ReferenceEqualityComparer.Instance);

    private PrefixCache(Tensor states, long[] offsets, int[] lengths, int cachedLayers, IReadOnlyList<nn.Module<Tensor, Tensor, Tensor>> rest,
        TokenClassifier model, long hidden)
    {
        _states = states;
        _offsets = offsets;
        _lengths = lengths;
        CachedLayers = cachedLayers;
        _rest = rest;
        _model = model;
        _hidden = hidden;
    }

    /// <summary>Encoder layers whose output is cached (the embeddings are always part of the prefix).</summary>
    public int CachedLayers { get; }

    /// <summary>
    /// The frozen prefix of <paramref name="model"/>: the number of encoder layers k+1 such that the embeddings and
    /// layers 0..k have no trainable parameter; −1 when the embeddings train (nothing can be cached).
    /// </summary>
    public static int FrozenPrefixLayers(TokenClassifier model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var units = model.FreezableUnits();
        if (units[0].Parameters.Any(p => p.requires_grad)) return -1;
        var layers = 0;
        while (layers + 1 < units.Count && !units[layers + 1].Parameters.Any(p => p.requires_grad)) layers++;
        return layers;
    }

    /// <summary>
    /// Runs the frozen prefix once over every window (eval mode, no grad, batches of <paramref name="batchSize"/>) and
    /// keeps the states on the model's device. Null when the embeddings are not frozen.
    /// </summary>
    public static PrefixCache? Build(TokenClassifier model, IReadOnlyList<SentenceWindow> windows, int padId, int batchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(windows);
        var cachedLayers = FrozenPrefixLayers(model);
        if (cachedLayers < 0) return null;
        var layers = model.Encoder.Layers;
        var device = model.ClassifierParameters()[0].device;
        var hidden = model.Config.HiddenSize;
        var lengths = windows.Select(w => w.Length).ToArray();
        var offsets = new long[windows.Count];
        long total = 0;
        for (var i = 0; i < windows.Count; i++)
        {
            offsets[i] = total;
            total += lengths[i];
        }
        var states = zeros([total + 1, hidden], dtype: model.ClassifierParameters()[0].dtype, device: device);
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            foreach (var batch in BatchSampler.LongestFirst(lengths, batchSize))
            {
                using var scope = NewDisposeScope();
                var padded = PaddedBatch.Of(windows, batch, padId);
                var (ids, mask, _) = padded.ToDevice(device);
                var sdpaMask = AttentionMasks.ForScaledDotProduct(mask);
                var state = model.Encoder.Embed(ids);
                for (var layer = 0; layer < cachedLayers; layer++) state = layers[layer].call(state, sdpaMask);
                // Real positions only, row-major, into each window's rows of the flat buffer.
                var rows = tensor(RowIndex(batch, lengths, offsets, padded.Length, total), device: device);
                var real = mask.view(-1).nonzero().squeeze(1);
                states.index_copy_(0, rows.index_select(0, real), state.reshape(-1, hidden).index_select(0, real));
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        return new PrefixCache(states, offsets, lengths, cachedLayers, layers.Skip(cachedLayers).ToArray(), model, hidden);
    }

    /// <summary>
    /// Logits [B, T, labels] for the windows <paramref name="batch"/> (in that order, padded to the longest), from the
    /// cached states through the trainable layers and the head; <paramref name="attentionMask"/> is the batch's [B, T]
    /// mask on the model's device.
    /// </summary>
    public Tensor Forward(IReadOnlyList<int> batch, Tensor attentionMask)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(attentionMask);
        using var scope = NewDisposeScope();
        var length = attentionMask.shape[1];
        var rows = _prepared.TryGetValue(batch, out var ready) && ready.shape[0] == batch.Count * length
            ? ready
            : tensor(RowIndex(batch, _lengths, _offsets, (int)length, _states.shape[0] - 1), device: _states.device);
        var state = _states.index_select(0, rows).view(batch.Count, length, _hidden);
        var sdpaMask = AttentionMasks.ForScaledDotProduct(attentionMask);
        foreach (var layer in _rest) state = layer.call(state, sdpaMask);
        return _model.Classify(state).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Uploads the gather indices of these batches (each padded to its longest window) once, so that
    /// <see cref="Forward"/> on the same batch arrays copies nothing from the host: a copy from pageable memory would
    /// wait for the GPU every step.
    /// </summary>
    public void Prepare(IEnumerable<IReadOnlyList<int>> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        foreach (var batch in batches)
        {
            if (_prepared.ContainsKey(batch)) continue;
            var length = batch.Max(i => _lengths[i]);
            _prepared[batch] = tensor(RowIndex(batch, _lengths, _offsets, length, _states.shape[0] - 1), device: _states.device).DetachFromDisposeScope();
        }
    }

    /// <summary>Per padded position of the batch, its row in the flat buffer (<paramref name="padRow"/> beyond a window's end).</summary>
    private static long[] RowIndex(IReadOnlyList<int> batch, int[] lengths, long[] offsets, int length, long padRow)
    {
        var rows = new long[batch.Count * length];
        for (var b = 0; b < batch.Count; b++)
        {
            var window = batch[b];
            for (var t = 0; t < length; t++) rows[b * length + t] = t < lengths[window] ? offsets[window] + t : padRow;
        }
        return rows;
    }

    public void Dispose()
    {
        foreach (var rows in _prepared.Values) rows.Dispose();
        _prepared.Clear();
        _states.Dispose();
    }
}
