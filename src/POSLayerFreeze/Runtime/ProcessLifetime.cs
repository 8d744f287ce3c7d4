using System.Globalization;
using System.Runtime.InteropServices;

namespace POSLayerFreeze.Runtime;

/// <summary>
/// Child processes that cannot outlive their parent (<c>poslf run --parallel</c>). The parent sets
/// <see cref="ParentPidVariable"/> for each child; the child, first thing at startup, asks the kernel for SIGKILL
/// when its parent dies (Linux <c>prctl(PR_SET_PDEATHSIG)</c>), which covers every way the parent can die,
/// SIGKILL included, where a handler in the parent could not. The kernel sends it when the parent's thread that
/// forked the child exits, so the parent starts and waits for its children on one thread (see ShardProcesses).
/// </summary>
public static class ProcessLifetime
{
    public const string ParentPidVariable = "POSLF_PARENT_PID";

    private const int PrSetPdeathsig = 1;
    private const int SigInt = 2;
    private const int SigKill = 9;
    private const int SigTerm = 15;

    /// <summary>
    /// When started as a child (the variable is set): die with the parent; if the parent is already gone (it died
    /// between fork and this call), exit at once. Returns whether this process is such a child.
    /// </summary>
    public static bool DieWithParentIfChild()
    {
        if (Environment.GetEnvironmentVariable(ParentPidVariable) is not { Length: > 0 } text) return false;
        if (!OperatingSystem.IsLinux()) return true;
        if (prctl(PrSetPdeathsig, SigKill, 0, 0, 0) != 0)
            throw new InvalidOperationException($"prctl(PR_SET_PDEATHSIG) failed (errno {Marshal.GetLastPInvokeError().ToString(CultureInfo.InvariantCulture)})");
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var expected) || getppid() != expected)
            Environment.Exit(1);
        return true;
    }

    /// <summary>The parent's process id (Linux), or null where unknown.</summary>
    public static int? ParentId => OperatingSystem.IsLinux() ? getppid() : null;

    /// <summary>Sends SIGINT, what Ctrl+C sends.</summary>
    public static bool Interrupt(int pid) => OperatingSystem.IsLinux() && kill(pid, SigInt) == 0;

    /// <summary>
    /// Sends SIGTERM, how a parent asks a child to stop at its next step: unlike SIGINT it is never inherited as
    /// ignored (a shell starts background jobs with SIGINT ignored, .NET respects that, and the children of such a
    /// process would never see a forwarded SIGINT).
    /// </summary>
    public static bool Terminate(int pid) => OperatingSystem.IsLinux() && kill(pid, SigTerm) == 0;

    /// <summary>True while a process with this id exists and is not a zombie (exited, not yet reaped).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            // "pid (comm) S ...": the state follows the last ')' (comm may itself hold parentheses).
            var state = stat[(stat.LastIndexOf(')') + 2)..].TrimStart()[0];
            return state is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The parent id of <paramref name="pid"/> from /proc, or null when it is gone.</summary>
    public static int? ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    [DllImport("libc")]
    private static extern int getppid();

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
