using POSLayerFreeze.Models;
using POSLayerFreeze.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace POSLayerFreeze.Training;

/// <summary>
/// Opt-in cached-prefix training (<c>poslf run --cached-prefix</c>). When the embeddings and layers 0..k are frozen,
/// their output for a window is fixed if they run without dropout: compute it once per training window (eval mode,
/// no grad), keep it in one flat device buffer, and per step run only layers k+1…L−1 and the head on the gathered
/// states — the model's forward with its frozen prefix replaced by a lookup keyed by window index. This changes the
/// protocol — the frozen prefix sees no dropout — so it is recorded in the run's inputs and metrics and is never the
/// default. Padded positions get zero states: attention masks them as keys, and their own outputs are never
/// labelled, so real positions are unaffected.
/// </summary>
public sealed class PrefixCache : IDisposable
{
    private readonly Tensor _states;          // [realTokens + 1, H]; the last row is zeros (padding)
    private readonly Tensor _starts;          // [windows] int64: window w starts at row _starts[w]
    private readonly Tensor _lengths;         // [windows] int64
    private readonly IReadOnlyList<nn.Module<Tensor, Tensor, Tensor>> _rest;
    private readonly TokenClassifier _model;
    private readonly long _hidden;

    private PrefixCache(Tensor states, Tensor starts, Tensor lengths, int cachedLayers, IReadOnlyList<nn.Module<Tensor, Tensor, Tensor>> rest,
        TokenClassifier model, long hidden)
    {
        _states = states;
        _starts = starts;
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
        var lengths = windows.Select(w => (long)w.Length).ToArray();
        var starts = new long[windows.Count];
        long total = 0;
        for (var i = 0; i < windows.Count; i++)
        {
            starts[i] = total;
            total += lengths[i];
        }
        var cache = new PrefixCache(zeros([total + 1, hidden], dtype: model.ClassifierParameters()[0].dtype, device: device),
            tensor(starts, device: device), tensor(lengths, device: device), cachedLayers, layers.Skip(cachedLayers).ToArray(), model, hidden);
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            using var region = Autocast.Enter(model.Precision);
            foreach (var batch in BatchSampler.LongestFirst(windows.Select(w => w.Length).ToArray(), batchSize))
            {
                using var scope = NewDisposeScope();
                var padded = PaddedBatch.Of(windows, batch, padId);
                var (ids, mask, _) = padded.ToDevice(device);
                var sdpaMask = AttentionMasks.ForScaledDotProduct(mask);
                var state = model.Encoder.Embed(ids);
                for (var layer = 0; layer < cachedLayers; layer++) state = layers[layer].call(state, sdpaMask);
                // Real positions only, row-major, into each window's rows of the flat buffer.
                var rows = cache.Rows(tensor(padded.Windows.Select(w => (long)w).ToArray(), device: device), padded.Length);
                var real = mask.view(-1).nonzero().squeeze(1);
                cache._states.index_copy_(0, rows.index_select(0, real), state.reshape(-1, hidden).index_select(0, real));
            }
        }
        catch
        {
            cache.Dispose();
            throw;
        }
        finally
        {
            model.train(wasTraining);
        }
        return cache;
    }

    /// <summary>
    /// Logits [B, T, labels] for the windows <paramref name="windows"/> ([B] int64 window indices on the model's
    /// device, in row order): their cached states through the trainable layers and the head. <paramref name="attentionMask"/>
    /// is the batch's [B, T] mask; T may exceed the longest window. Everything stays on the device (no host copy).
    /// </summary>
    public Tensor Forward(Tensor windows, Tensor attentionMask)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(attentionMask);
        using var region = Autocast.Enter(_model.Precision);
        using var scope = NewDisposeScope();
        var (batch, length) = (attentionMask.shape[0], attentionMask.shape[1]);
        var state = _states.index_select(0, Rows(windows, length)).view(batch, length, _hidden);   // [B, T, H]
        var sdpaMask = AttentionMasks.ForScaledDotProduct(attentionMask);
        foreach (var layer in _rest) state = layer.call(state, sdpaMask);
        return _model.Classify(state).MoveToOuterDisposeScope();
    }

    /// <summary>[B·T]: per position of the windows padded to <paramref name="length"/>, its row in the state buffer
    /// (the zero row beyond a window's end).</summary>
    private Tensor Rows(Tensor windows, long length)
    {
        var positions = arange(length, dtype: ScalarType.Int64, device: _states.device);                          // [T]
        var rows = _starts.index_select(0, windows).unsqueeze(1) + positions;                                        // [B, T]
        var padding = positions.unsqueeze(0) >= _lengths.index_select(0, windows).unsqueeze(1);                     // [B, T]
        return rows.masked_fill(padding, _states.shape[0] - 1).view(-1);
    }

    public void Dispose()
    {
        _states.Dispose();
        _starts.Dispose();
        _lengths.Dispose();
    }
}
