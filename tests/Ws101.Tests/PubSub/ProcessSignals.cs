using System.Runtime.InteropServices;

namespace Ws101.Tests.PubSub;

/// <summary>Signals to a process the test started itself (by its pid): SIGSTOP freezes it as a hung server would be, SIGCONT thaws it.</summary>
internal static partial class ProcessSignals
{
    public const int SigCont = 18;
    public const int SigStop = 19;

    public static void Send(int pid, int signal)
    {
        if (kill(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
