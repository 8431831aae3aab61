namespace Ws101;

/// <summary>How the server drives its sockets.</summary>
public enum ServerTransport
{
    /// <summary>
    /// <see cref="EventLoop"/> where it is supported (Linux on x86-64), for ws:// and wss:// alike;
    /// <see cref="Sockets"/> on other systems.
    /// </summary>
    Auto,

    /// <summary>
    /// Ws101's own epoll loops, one per processor: I/O completes on the loop thread and the handler continues
    /// there, with no hand-off to the thread pool — the fastest configuration. Over wss:// the TLS records are
    /// decrypted and encrypted on the loop thread too. Handlers must not block the
    /// thread (no <c>.Result</c>, <c>.Wait()</c> or synchronous I/O); move blocking work to the thread pool.
    /// </summary>
    EventLoop,

    /// <summary>.NET's <see cref="System.Net.Sockets.Socket"/> async operations: completions run on the thread pool, and handlers may block.</summary>
    Sockets,
}
