namespace Ws101.Cli;

/// <summary>The tool's exit codes, the same for every command.</summary>
internal static class ExitCodes
{
    /// <summary>Done, and what was checked is valid.</summary>
    public const int Ok = 0;
    /// <summary>Done, and what was checked has problems (a handshake failed, a diagnosis found faults).</summary>
    public const int Problems = 1;
    /// <summary>The command could not run: bad arguments, unreadable input.</summary>
    public const int UsageError = 2;
}
