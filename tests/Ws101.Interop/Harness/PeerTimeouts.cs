namespace Ws101.Interop.Harness;

/// <summary>The bounds every wait in the harness uses, so that no test can hang.</summary>
public static class PeerTimeouts
{
    /// <summary>The longest any single wait (a line, a message, a handshake, a close) may take: 20 s.</summary>
    public static TimeSpan Step { get; } = TimeSpan.FromSeconds(20);

    /// <summary>The longest a whole scripted client run may take before it is given up: 45 s.</summary>
    public static TimeSpan Run { get; } = TimeSpan.FromSeconds(45);

    /// <summary>The longest a peer process may live at all; it is killed after that: 120 s.</summary>
    public static TimeSpan ProcessLifetime { get; } = TimeSpan.FromSeconds(120);

    /// <summary>How long a process gets to exit on its own after its stdin is closed before it is killed.</summary>
    public static TimeSpan GracefulStop { get; } = TimeSpan.FromSeconds(3);
}
