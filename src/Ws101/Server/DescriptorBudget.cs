using Ws101.Transport.Linux;

namespace Ws101.Server;

/// <summary>
/// How many connections fit in the file descriptors the process may hold (RLIMIT_NOFILE), with room left for
/// what the runtime itself opens while the server runs.
/// </summary>
/// <remarks>
/// Every accepted socket is a descriptor. The .NET runtime needs descriptors too, at moments it chooses: on Linux each
/// new thread takes a pipe (two descriptors) while it starts, and the thread pool treats a thread it cannot start as
/// fatal ("Out of memory." and an abort); an assembly loaded later holds its file open. A server that accepts until
/// accept fails leaves the runtime none, so the limit is kept below the descriptor limit by a reserve:
/// <c>reserve = open at start + 64 + limit / 32</c>, and <c>MaxConnections = min(configured, limit - reserve)</c>, at least 1.
/// </remarks>
internal static class DescriptorBudget
{
    /// <summary>Descriptors kept free beyond those open at start: threads starting, assemblies loaded later, backplane reconnects, log files.</summary>
    public const int FixedHeadroom = 64;

    /// <summary>The share of the limit kept free as well (1/32, about 3 %): what grows with load, such as sockets the application's handlers open.</summary>
    public const int ProportionalHeadroomDivisor = 32;

    /// <summary>Descriptors held on /dev/null from start and released when accept finds none left (see <see cref="DescriptorReserve"/>).</summary>
    public const int SpareCount = 16;

    /// <summary>The descriptors kept free of connections for a process that may hold <paramref name="limit"/> and holds <paramref name="openAtStart"/> now.</summary>
    public static long Reserve(long limit, int openAtStart) => openAtStart + FixedHeadroom + limit / ProportionalHeadroomDivisor;

    /// <summary>
    /// The connection limit in force: <paramref name="configured"/>, lowered to <c>limit - reserve</c> (at least 1) when the
    /// process may hold only <paramref name="limit"/> descriptors; unchanged when the limit is unknown (null).
    /// </summary>
    public static int MaxConnections(int configured, long? limit, int openAtStart)
    {
        if (limit is not { } l)
        {
            return configured;
        }
        long fit = Math.Max(1, l - Reserve(l, openAtStart));
        return (int)Math.Min(configured, fit);
    }

    /// <summary>
    /// The soft RLIMIT_NOFILE (the limit enforced; .NET raises it to the hard limit as it starts), or null where it is not
    /// read (not 64-bit Linux) or is unlimited.
    /// </summary>
    public static unsafe long? ReadLimit()
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess)
        {
            return null;
        }
        Libc.RLimit limit;
        if (Libc.getrlimit(Libc.RLIMIT_NOFILE, &limit) != 0 || limit.Current == Libc.RLIM_INFINITY)
        {
            return null;
        }
        return (long)Math.Min(limit.Current, (ulong)long.MaxValue);
    }

    /// <summary>The descriptors the process holds now (the entries of /proc/self/fd), or 0 where that is not readable.</summary>
    public static int CountOpen()
    {
        try
        {
            return Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
