namespace Ws101.Cli.Bench;

/// <summary>The server process's figures with --server-pid.</summary>
internal sealed record ServerFigures
{
    public int Pid { get; init; }

    /// <summary>VmRSS before the connections opened.</summary>
    public long? RssBeforeBytes { get; init; }

    /// <summary>VmRSS once they were open and settled (idle), or at the end of the window.</summary>
    public long? RssAfterBytes { get; init; }

    /// <summary>Idle: (after − before) / open connections.</summary>
    public double? BytesPerConnection { get; init; }

    /// <summary>CPU the server used over the window, in cores.</summary>
    public double? CpuCores { get; init; }

    /// <summary>Of <see cref="CpuCores"/>, the part spent in the kernel (stime): system calls, TCP, interrupts.</summary>
    public double? SystemCpuCores { get; init; }

    /// <summary>Server CPU per message (echo, fanout delivery) or per handshake, in microseconds.</summary>
    public double? CpuUsPerOperation { get; init; }
}
