namespace POSLayerFreeze.Training;

/// <summary>What one training run did: steps, tokens (real and padded), time, and the log as read.</summary>
public sealed record TrainStats(int Steps, long RealTokens, long PaddedTokens, double Seconds, IReadOnlyList<LogEntry> Log)
{
    /// <summary>Cached-prefix mode: encoder layers whose output was cached (−1: mode off or nothing cacheable).</summary>
    public int CachedLayers { get; init; } = -1;

    /// <summary>What trained when, for runs with a freeze schedule or layer-wise rates; null otherwise.</summary>
    public ScheduleTrace? Schedule { get; init; }

    /// <summary>The loss curve: (step, mean loss since the previous read).</summary>
    public IReadOnlyList<(int Step, double Loss)> Loss => Log.Select(e => (e.Step, e.Loss)).ToArray();

    public double TokensPerSecond => Seconds > 0 ? RealTokens / Seconds : 0;
}
