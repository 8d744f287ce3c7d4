using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace POSLayerFreeze.Models;

/// <summary>
/// What the token-classification head needs from an encoder family. Not a shared base class: each family keeps
/// its own Hugging Face structure and names; this is only the seam the head and the freeze plans use.
/// </summary>
public interface IEncoder
{
    EncoderConfig Config { get; }

    /// <summary>
    /// input_ids [B, T] int64, attention_mask [B, T] (1 = token, 0 = padding) → last hidden state [B, T, H].
    /// When <paramref name="hiddenStates"/> is given, the embeddings output and every layer's output are appended
    /// to it (Hugging Face <c>output_hidden_states</c>), moved out of the forward's dispose scope.
    /// </summary>
    Tensor Encode(Tensor inputIds, Tensor attentionMask, IList<Tensor>? hiddenStates = null);

    /// <summary>The embeddings module on input_ids [B, T] int64 → [B, T, H] (what <see cref="Encode"/> starts from).</summary>
    Tensor Embed(Tensor inputIds);

    /// <summary>
    /// The transformer layers in order, each (hidden [B, T, H], mask from
    /// <see cref="AttentionMasks.ForScaledDotProduct"/>) → hidden [B, T, H]: what <see cref="Encode"/> runs after
    /// <see cref="Embed"/>, for callers that run part of the stack (the cached prefix).
    /// </summary>
    IReadOnlyList<nn.Module<Tensor, Tensor, Tensor>> Layers { get; }

    /// <summary>Every embedding parameter, the embedding LayerNorm included.</summary>
    IReadOnlyList<Parameter> EmbeddingParameters();

    /// <summary>The parameters of transformer layer <paramref name="index"/>.</summary>
    IReadOnlyList<Parameter> LayerParameters(int index);
}

/// <summary>A named group of parameters frozen or trained together: <c>emb</c> or a layer index <c>0</c>..<c>L-1</c>.</summary>
public sealed record FreezableUnit(string Name, IReadOnlyList<Parameter> Parameters);

/// <summary>Pieces shared by both families' attention: the padding mask in the form SDPA wants.</summary>
internal static class AttentionMasks
{
    /// <summary>attention_mask [B, T] (1 = attend) → boolean [B, 1, 1, T], broadcast over heads and queries.</summary>
    public static Tensor ForScaledDotProduct(Tensor attentionMask) =>
        attentionMask.to_type(ScalarType.Bool).unsqueeze(1).unsqueeze(1);
}

/// <summary>The forward every family's encoder shares: its embeddings, then its layers in order under one padding mask.</summary>
internal static class EncoderStack
{
    /// <summary>
    /// <see cref="IEncoder.Encode"/> for an encoder made of <paramref name="embed"/> and <paramref name="layers"/>: the
    /// last hidden state, and with <paramref name="hiddenStates"/> the embeddings output and every layer's output
    /// appended to it, moved out of this forward's dispose scope.
    /// </summary>
    public static Tensor Encode(Func<Tensor, Tensor> embed, IEnumerable<nn.Module<Tensor, Tensor, Tensor>> layers,
        Tensor inputIds, Tensor attentionMask, IList<Tensor>? hiddenStates)
    {
        using var scope = NewDisposeScope();
        var mask = AttentionMasks.ForScaledDotProduct(attentionMask);
        var hidden = embed(inputIds);
        hiddenStates?.Add(hidden.MoveToOuterDisposeScope());
        foreach (var layer in layers)
        {
            hidden = layer.call(hidden, mask);
            hiddenStates?.Add(hidden.MoveToOuterDisposeScope());
        }
        return hiddenStates is null ? hidden.MoveToOuterDisposeScope() : hidden;
    }
}
