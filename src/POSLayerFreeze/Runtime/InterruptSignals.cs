using System.Runtime.InteropServices;

namespace POSLayerFreeze.Runtime;

/// <summary>
/// SIGINT (Ctrl+C) and SIGTERM as one process-wide cancellation, registered first thing in <c>Main</c>.
/// System.CommandLine cannot do this for poslf: it registers its own handler only after the action's
/// <c>InvokeAsync</c> has returned a task, and poslf's actions do their work synchronously inside that call, so
/// during a whole run no handler was installed. A SIGINT then either killed the process by the default action
/// (no message, nothing forwarded to <c>--parallel</c> children, which died only by their parent-death signal).
/// A process started with SIGINT ignored (a background job of a non-interactive shell inherits SIG_IGN) keeps
/// ignoring it, as the shell intends and .NET respects; SIGTERM stops it all the same.
/// </summary>
public sealed class InterruptSignals : IDisposable
{
    private readonly CancellationTokenSource source = new();
    private readonly PosixSignalRegistration[] registrations;
    // A signal handler already dispatched when Dispose runs may still execute afterwards (the runtime's signal
    // thread does not wait for Dispose): cancelling a disposed source would throw ObjectDisposedException on that
    // thread and crash the process. The gate makes "cancel" and "dispose" one-after-the-other.
    private readonly Lock gate = new();
    private bool disposed;
    private int received;

    private InterruptSignals()
    {
        registrations = OperatingSystem.IsWindows() || OperatingSystem.IsBrowser()
            ? []
            : [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    /// <summary>Cancelled at the first SIGINT or SIGTERM; stays cancelled.</summary>
    public CancellationToken Token => source.Token;

    /// <summary>How many SIGINT/SIGTERM arrived (for tests and diagnostics).</summary>
    public int Received => Volatile.Read(ref received);

    public static InterruptSignals Register() => new();

    private void OnSignal(PosixSignalContext context)
    {
        // Keep the process alive: the work in progress stops at its next cancellation check, the CLI reports
        // "interrupted" with exit 130. A repeated signal (the parent re-sends it to children that were still
        // starting up) only confirms the request.
        context.Cancel = true;
        Interlocked.Increment(ref received);
        lock (gate)
        {
            if (!disposed) source.Cancel();
        }
    }

    /// <summary>For tests: what a SIGINT/SIGTERM arriving now does, including after <see cref="Dispose"/>.</summary>
    internal void Deliver() => OnSignal(new PosixSignalContext(PosixSignal.SIGTERM));

    public void Dispose()
    {
        foreach (var r in registrations) r.Dispose();
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
            source.Dispose();
        }
    }
}
