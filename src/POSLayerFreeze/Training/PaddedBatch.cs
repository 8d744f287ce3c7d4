using POSLayerFreeze.Data;
using POSLayerFreeze.Tokenization;
using static TorchSharp.torch;

namespace POSLayerFreeze.Training;

/// <summary>
/// A padded batch on the host, row-major [<see cref="BatchSize"/>, <see cref="Length"/>], ready for torch.tensor.
/// <see cref="Windows"/> names the window of each row: the stable key the cached prefix finds its states by.
/// </summary>
public sealed record PaddedBatch(int[] Windows, long[] InputIds, long[] AttentionMask, long[] Labels, int Length)
{
    public int BatchSize => Windows.Length;

    /// <summary>Pads the chosen windows to the longest one: pad id, mask 0 and label −100 beyond each window.</summary>
    public static PaddedBatch Of(IReadOnlyList<SentenceWindow> windows, IReadOnlyList<int> batch, int padId)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0) throw new ArgumentException("a batch needs at least one window", nameof(batch));
        var length = batch.Max(i => windows[i].Length);
        var inputIds = new long[batch.Count * length];
        var mask = new long[batch.Count * length];
        var labels = new long[batch.Count * length];
        Array.Fill(inputIds, padId);
        Array.Fill(labels, Upos.IgnoreIndex);
        for (var row = 0; row < batch.Count; row++)
        {
            var window = windows[batch[row]];
            var offset = row * length;
            for (var t = 0; t < window.Length; t++)
            {
                inputIds[offset + t] = window.InputIds[t];
                mask[offset + t] = 1;
                labels[offset + t] = window.Labels[t];
            }
        }
        return new PaddedBatch([.. batch], inputIds, mask, labels, length);
    }

    /// <summary>input_ids, attention_mask and labels as [B, T] int64 tensors on <paramref name="device"/>, owned by the caller's scope.</summary>
    public (Tensor InputIds, Tensor AttentionMask, Tensor Labels) ToDevice(Device device)
    {
        long[] shape = [BatchSize, Length];
        return (tensor(InputIds, shape).to(device), tensor(AttentionMask, shape).to(device), tensor(Labels, shape).to(device));
    }
}
