using static TorchSharp.torch;

namespace POSLayerFreeze.Training;

/// <summary>One length bucket of a step's batch, resident on the training device (copied once, before training).</summary>
public sealed class DeviceBatch : IDisposable
{
    private DeviceBatch(Tensor windows, Tensor inputIds, Tensor attentionMask, Tensor labels, int length)
    {
        Windows = windows;
        InputIds = inputIds;
        AttentionMask = attentionMask;
        Labels = labels;
        Length = length;
    }

    /// <summary>[B] int64: the window index of each row (what <see cref="PrefixCache.Forward"/> looks its states up by).</summary>
    public Tensor Windows { get; }
    public Tensor InputIds { get; }
    public Tensor AttentionMask { get; }
    public Tensor Labels { get; }
    public int Length { get; }

    /// <summary>Copies <paramref name="padded"/> to <paramref name="device"/> (outside any dispose scope).</summary>
    public static DeviceBatch Upload(PaddedBatch padded, Device device)
    {
        ArgumentNullException.ThrowIfNull(padded);
        using var scope = NewDisposeScope();
        var (ids, mask, labels) = padded.ToDevice(device);
        var windows = tensor(padded.Windows.Select(w => (long)w).ToArray()).to(device);
        return new DeviceBatch(windows.MoveToOuterDisposeScope(), ids.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope(),
            labels.MoveToOuterDisposeScope(), padded.Length);
    }

    public void Dispose()
    {
        Windows.Dispose();
        InputIds.Dispose();
        AttentionMask.Dispose();
        Labels.Dispose();
    }
}
