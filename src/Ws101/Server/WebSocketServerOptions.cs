using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Ws101.Handshake;
using Ws101.Server;

namespace Ws101;

/// <summary>Everything a <see cref="WebSocketServer"/> is configured with. Every default is safe on the open internet.</summary>
public sealed record WebSocketServerOptions
{
    /// <summary>Addresses to listen on. Default: 127.0.0.1:8080 only, so that nothing is exposed by accident.</summary>
    public IReadOnlyList<IPEndPoint> EndPoints { get; init; } = [new IPEndPoint(IPAddress.Loopback, 8080)];

    /// <summary>A certificate with its private key for wss://; null serves plain ws://.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>
    /// The longest the TLS handshake and the upgrade request may take. Default 10 s: a real client needs
    /// milliseconds, and a client trickling a byte a second (slowloris) is dropped.
    /// </summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Limits on the upgrade request's head (line length, header count, total bytes).</summary>
    internal HttpParseLimits RequestLimits { get; init; } = HttpParseLimits.Default;

    /// <summary>Limits and timers of each connection, unless a route sets its own (the properties below set it).</summary>
    internal WebSocketConnectionOptions Connection { get; init; } = WebSocketConnectionOptions.Default;

    /// <summary>
    /// The largest message accepted, and so the largest frame: beyond it the connection fails with 1009
    /// (<see cref="CloseCode.MessageTooBig"/>), a frame as soon as its header announces more. Default 1 MiB: under
    /// <see cref="ReceiveMode.WholeMessages"/> a message is reassembled in memory, so this is the worst-case buffer per
    /// connection (it grows only to the largest message actually received). Raise it for bulk transfers; under
    /// <see cref="ReceiveMode.Streaming"/> nothing is buffered and it may go up to <see cref="long.MaxValue"/>.
    /// </summary>
    public long MaxMessageSize
    {
        get => Connection.Protocol.MaxMessageSize;
        init => Connection = Connection with { Protocol = Connection.Protocol.WithMaxSize(value) };
    }

    /// <summary>Whether messages are delivered whole (the default) or streamed in parts as they arrive.</summary>
    public ReceiveMode ReceiveMode
    {
        get => Connection.Protocol.ReceiveMode;
        init => Connection = Connection with { Protocol = Connection.Protocol.WithReceiveMode(value) };
    }

    /// <summary>
    /// permessage-deflate (RFC 7692): null (the default) turns it off; an instance turns it on (a server accepts a
    /// client's offer, a client makes one). See <see cref="PerMessageDeflateOptions"/> for the memory it costs per connection.
    /// </summary>
    public PerMessageDeflateOptions? Compression
    {
        get => Connection.Compression;
        init => Connection = Connection with { Compression = value };
    }

    /// <summary>
    /// After this long without receiving anything, a ping is sent to see whether the peer is alive. Default 30 s
    /// (under the idle timeouts of common proxies and NATs); <see cref="TimeSpan.Zero"/> turns keepalive off. Pongs are
    /// read by the receive loop, so keep one running (<see cref="WebSocketConnection.ReceiveAsync"/>).
    /// </summary>
    public TimeSpan KeepAliveInterval
    {
        get => Connection.KeepAliveInterval;
        init => Connection = Connection with { KeepAliveInterval = value };
    }

    /// <summary>How long to wait for anything after a keepalive ping before the peer is taken for dead (the application sees 1006). Default 30 s.</summary>
    public TimeSpan KeepAliveTimeout
    {
        get => Connection.KeepAliveTimeout;
        init => Connection = Connection with { KeepAliveTimeout = value };
    }

    /// <summary>The longest a single send may wait for the peer to read; a peer that reads nothing for this long is dropped. Default 30 s.</summary>
    public TimeSpan SendTimeout
    {
        get => Connection.SendTimeout;
        init => Connection = Connection with { SendTimeout = value };
    }

    /// <summary>How long the closing handshake may take before the connection is dropped. Default 5 s.</summary>
    public TimeSpan CloseTimeout
    {
        get => Connection.CloseTimeout;
        init => Connection = Connection with { CloseTimeout = value };
    }

    /// <summary>
    /// The most connections open at once, handshakes included. At the limit a new connection takes the place of the
    /// oldest one still in its TLS or HTTP handshake, if that handshake has lasted min(1 s, <see cref="HandshakeTimeout"/>
    /// / 2): the one dropped is answered 503 (with <c>Retry-After: 5</c>) when that can be written at once, else closed;
    /// upgraded connections are never dropped for a newcomer. With no handshake that old, the new connection is answered
    /// 503 and closed as soon as it is accepted. Default 100,000: far above what one process serves by accident, low
    /// enough that memory stays bounded.
    /// </summary>
    /// <remarks>
    /// On Linux the server also fits this limit to the file descriptors the process may hold (RLIMIT_NOFILE, read when it
    /// starts): every connection is a descriptor, and the .NET runtime needs some of its own (a thread it starts takes a
    /// pipe; a thread-pool thread it cannot start ends the process). The limit in force is
    /// <c>min(MaxConnections, limit - (open + 64 + limit / 32))</c>, at least 1, where <c>open</c> is the descriptors open
    /// once the server has started (listeners, event loops, assemblies, 16 spares): 19,211 for a limit of 20,000 with 100
    /// open. The server logs it (Information) when it lowers this value. A connection whose descriptor lands within 64 of
    /// the limit is refused too, and if accept ever finds no descriptor left, the limit drops below the connections open
    /// then and stays there. See docs/reliability.md.
    /// </remarks>
    public int MaxConnections { get; init; } = 100_000;

    /// <summary>How long <see cref="WebSocketServer.StopAsync"/> waits for connections to close after sending 1001. Default 5 s.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Answers plain HTTP requests on paths with no WebSocket endpoint (a status page, a playground). Null
    /// answers them with 404.
    /// </summary>
    internal Func<HttpFallbackRequest, CancellationToken, ValueTask<HttpFallbackResponse>>? HttpFallback { get; init; }

    /// <summary>The largest body a fallback HTTP request may have; beyond it, 413. Default 64 KiB.</summary>
    internal int MaxHttpBodyBytes { get; init; } = 64 * 1024;

    /// <summary>Where the server logs connections and refused handshakes. Default: nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>
    /// How sockets are driven. Default <see cref="ServerTransport.Auto"/>: Ws101's event loops for ws:// and wss:// on
    /// Linux x86-64 (handlers then must not block their thread), .NET sockets elsewhere.
    /// </summary>
    public ServerTransport Transport { get; init; } = ServerTransport.Auto;

    /// <summary>The listen backlog: connections the kernel queues before they are accepted. Default 4096.</summary>
    public int ListenBacklog { get; init; } = 4096;

    /// <summary>
    /// Lets several processes listen on the same address and port (SO_REUSEPORT); on Linux the kernel spreads new
    /// connections over them. Default false: binding a port another process listens on fails, as it should by accident.
    /// </summary>
    /// <remarks>
    /// Uses: one process per core, each with its own event loops and heap; more connections than one process may hold
    /// file descriptors for; a restart that starts the new process before it stops the old one, so no connection is
    /// refused meanwhile. Every process on the port must set it (and run as the same user). Connections are spread by a
    /// hash of their addresses, not by load, and a process that stops listening takes the connections waiting in its
    /// own backlog with it (their clients see a reset). Linux, macOS and FreeBSD only; macOS and FreeBSD do not spread
    /// connections (the last process to bind gets them). See docs/reliability.md.
    /// </remarks>
    public bool ReusePort { get; init; }

    /// <summary>
    /// Gives memory back around a surge of connections, with one full compacting garbage collection that returns freed
    /// memory to the operating system: once the open connections grew by 1,000 or more (and by a quarter) and then did
    /// not grow for 3 s, and once they stayed at a quarter of their peak (of 1,000 or more) or less for 10 s. Default
    /// true. Turn it off when the process should never collect on the server's initiative (the collection pauses every
    /// thread of the process while it compacts; each one is logged with its pause).
    /// </summary>
    /// <remarks>
    /// Without it a server that goes quiet after a surge keeps the surge's memory until enough is allocated again for a
    /// full collection, which a quiet server may never do: 139 MB of RSS at 0 connections after 19,000, against 47 MB
    /// before; and a server holding the connections of a surge keeps their handshakes' garbage: 2,140 B of RSS per idle
    /// connection at 10,000, against 1,295 B with it. See docs/reliability.md.
    /// </remarks>
    public bool ReleaseMemoryAfterSurge { get; init; } = true;
}
