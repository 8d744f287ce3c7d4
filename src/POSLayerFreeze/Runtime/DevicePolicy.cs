namespace POSLayerFreeze.Runtime;

/// <summary>
/// What follows from the device a run is on, decided here only: whether it is CUDA, the golden folder its results
/// are checked against, the profile taken when none is named, and whether a step's batch runs as length buckets.
/// Device names are those <see cref="TorchRuntime.ParseDeviceName"/> accepts (<c>cpu</c>, <c>cuda</c>,
/// <c>cuda:N</c>), in any case and with spaces around.
/// </summary>
public static class DevicePolicy
{
    /// <summary>True for <c>cuda</c> and <c>cuda:N</c>.</summary>
    public static bool IsCuda(string? device) => device is not null && device.Trim().StartsWith("cuda", StringComparison.OrdinalIgnoreCase);

    /// <summary>The golden folder under a profile (<c>golden/&lt;profile&gt;/&lt;backend&gt;</c>): <c>cuda</c> for any
    /// CUDA device, else <c>cpu</c>. CUDA kernels round differently from the CPU's, so each has its own goldens.</summary>
    public static string GoldenBackend(string? device) => IsCuda(device) ? "cuda" : "cpu";

    /// <summary>The built-in profile a run takes when none is named: <c>full</c> (the protocol of record) on CUDA,
    /// <c>smoke</c> on the CPU, where the full protocol takes days.</summary>
    public static string DefaultProfile(string? device) => IsCuda(device) ? "full" : "smoke";

    /// <summary>
    /// Whether a step's batch runs as length buckets (forward and backward per bucket, gradients accumulated) unless
    /// the caller says otherwise: on the CPU, where padding costs its full compute; not on CUDA, where a step is bound
    /// by per-kernel overhead and more launches cost more than padding.
    /// </summary>
    public static bool LengthBuckets(string? device) => !IsCuda(device);
}
