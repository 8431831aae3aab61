namespace Ws101.Cli.Bench;

/// <summary>The process's limit on open files, which bounds how many connections one run may hold.</summary>
internal static class FileDescriptorLimit
{
    /// <summary>File descriptors kept free for the runtime, the console, /proc reads and the plot.</summary>
    public const int Reserve = 100;

    /// <summary>
    /// Raises the soft limit to the hard limit (a process may always do that) and returns the limit now in force;
    /// the default soft limit of 1,024 would otherwise stop a run long before the machine does.
    /// </summary>
    public static unsafe long RaiseToHardLimit()
    {
        SocketCalls.RLimit limit;
        if (SocketCalls.getrlimit(SocketCalls.RLIMIT_NOFILE, &limit) != 0)
        {
            return 1024;
        }
        if (limit.Current < limit.Maximum)
        {
            var raised = new SocketCalls.RLimit { Current = limit.Maximum, Maximum = limit.Maximum };
            if (SocketCalls.setrlimit(SocketCalls.RLIMIT_NOFILE, &raised) == 0)
            {
                limit = raised;
            }
        }
        return (long)Math.Min(limit.Current, int.MaxValue);
    }

    /// <summary>How many connections fit under <paramref name="limit"/> with the files this process has open now.</summary>
    public static int ConnectionsAllowed(long limit)
    {
        int open = Directory.Exists("/proc/self/fd") ? Directory.GetFileSystemEntries("/proc/self/fd").Length : 64;
        return (int)Math.Max(0, limit - open - Reserve);
    }
}
