using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Tests.Runtime;

/// <summary>
/// The process-wide SIGINT/SIGTERM cancellation. A late signal (the parent re-sending SIGTERM while a child is
/// already shutting down) may run its handler after Dispose; it must do nothing rather than crash the process
/// with an ObjectDisposedException on the runtime's signal thread (seen once in a --parallel test).
/// </summary>
public class InterruptSignalsTests
{
    [Test]
    public void A_signal_cancels_the_token_and_is_counted()
    {
        using var signals = InterruptSignals.Register();
        Assert.That(signals.Token.IsCancellationRequested, Is.False);
        signals.Deliver();
        Assert.Multiple(() =>
        {
            Assert.That(signals.Token.IsCancellationRequested, Is.True);
            Assert.That(signals.Received, Is.EqualTo(1));
        });
        signals.Deliver();
        Assert.That(signals.Received, Is.EqualTo(2), "a repeated signal only confirms the request");
    }

    [Test]
    public void A_signal_after_dispose_is_harmless()
    {
        var signals = InterruptSignals.Register();
        signals.Dispose();
        Assert.DoesNotThrow(signals.Deliver);
        Assert.That(signals.Received, Is.EqualTo(1));
        Assert.DoesNotThrow(signals.Dispose, "Dispose twice");
    }

    [Test]
    public void Signals_racing_dispose_never_throw()
    {
        for (var round = 0; round < 200; round++)
        {
            var signals = InterruptSignals.Register();
            using var start = new Barrier(2);
            var sender = Task.Run(() =>
            {
                start.SignalAndWait();
                for (var i = 0; i < 20; i++) signals.Deliver();
            });
            start.SignalAndWait();
            signals.Dispose();
            Assert.DoesNotThrowAsync(async () => await sender.ConfigureAwait(false), $"round {round}");
        }
    }
}
