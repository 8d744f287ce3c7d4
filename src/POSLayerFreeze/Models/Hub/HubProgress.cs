using System.Diagnostics;
using System.Globalization;

namespace POSLayerFreeze.Models.Hub;

/// <summary>One progress line on stderr for a download, rewritten in place at most a few times a second.</summary>
internal sealed class HubProgress(TextWriter? writer, string what, long? total)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _last = TimeSpan.Zero;

    public void Report(long done)
    {
        if (writer is null || _clock.Elapsed - _last < TimeSpan.FromMilliseconds(250)) return;
        _last = _clock.Elapsed;
        writer.Write("\r" + Line(done));
    }

    public void Finish(long done) => writer?.WriteLine("\r" + Line(done));

    private string Line(long done)
    {
        var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 1e-3);
        var rate = done / 1e6 / seconds;
        return total is { } t && t > 0
            ? string.Create(CultureInfo.InvariantCulture, $"downloading {what}: {done / 1e6:F1}/{t / 1e6:F1} MB ({100.0 * done / t:F0}%, {rate:F1} MB/s)")
            : string.Create(CultureInfo.InvariantCulture, $"downloading {what}: {done / 1e6:F1} MB ({rate:F1} MB/s)");
    }
}
