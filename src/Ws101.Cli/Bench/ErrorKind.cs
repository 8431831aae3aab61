namespace Ws101.Cli.Bench;

/// <summary>The kinds of error a run counts.</summary>
internal enum ErrorKind
{
    /// <summary>The TCP connection failed (refused, reset, no route, no free port); the detail is the system's message.</summary>
    Connect,

    /// <summary>The upgrade was refused or invalid; the detail is the handshake problem code (not-found, accept-mismatch, ...).</summary>
    Handshake,

    /// <summary>The server closed a connection during the run; the detail is the close code (1006: without a close frame).</summary>
    Closed,

    /// <summary>The server broke RFC 6455 or did not echo what was sent.</summary>
    Protocol,

    /// <summary>Connecting or the handshake took longer than --timeout.</summary>
    Timeout,
}
