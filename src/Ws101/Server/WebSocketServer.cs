using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Ws101.Handshake;
using Ws101.Protocol;
using Ws101.Transport;
using Ws101.Server;

namespace Ws101;

/// <summary>
/// An RFC 6455 WebSocket server on its own sockets (no ASP.NET needed): listens, validates each upgrade
/// with the handshake layer's limits and diagnostics, routes by path to handlers, and keeps connections
/// alive, bounded and cleanly shut down.
/// </summary>
/// <example>
/// <code>
/// var server = new WebSocketServer(new WebSocketServerOptions());
/// server.Map("/echo", async (ws, ct) =>
/// {
///     await foreach (var m in ws.ReadAllAsync(ct))
///         await ws.SendAsync(m.Data, m.Kind, m.EndOfMessage, ct);
/// });
/// await server.StartAsync();
/// </code>
/// </example>
public sealed class WebSocketServer : IAsyncDisposable, IMessagePumpOwner
{
    private readonly WebSocketServerOptions _options;
    private readonly ILogger _logger;
    private readonly HttpFallbackResponder _fallback;
    private readonly ConcurrentDictionary<string, Route> _routes = new(StringComparer.Ordinal);
    // Each open connection with the Stopwatch timestamp of its 101 (for the connection-duration metric).
    // By slot (WebSocketConnection.Session): a reference per session, where a dictionary entry is an object of its own.
    private readonly SlotTable<WebSocketConnection> _sessions = new();
    private readonly List<Socket> _listeners = [];
    private readonly List<Transport.Linux.EpollListener> _loopListeners = [];
    private readonly List<Task> _acceptLoops = [];
    private readonly CancellationTokenSource _stopping = new();
    // Taken once: a disposed source's Token throws, and a message handler's late callback may still ask for it.
    private readonly CancellationToken _stoppingToken;
    // Cancelled first on stop: accepting and handshakes in progress end at once, while open connections still
    // get their closing handshake before their handlers' Stopping token is cancelled.
    private readonly CancellationTokenSource _accepting = new();
    private int _stopRequested;
    // Each handshake in progress with its deadline (Environment.TickCount64), or a mark: -1 timed out (the tick),
    // HandshakeShedding.ShedMark shed at the connection limit. One entry a handshake, under the socket's own transport
    // (over TLS too): the one the tick and a shed abort and mark, the handshake claims, and its end reads the mark of.
    private readonly ConcurrentDictionary<DuplexTransport, long> _handshakes = new();
    private readonly HandshakeShedding _shedding;
    private readonly Timer _tick;
    private OverlapGuard _ticking;
    private readonly bool _useLoops;
    private Transport.Linux.EventLoopGroup? _loops;
    private SslServerAuthenticationOptions? _tls;
    private readonly ConnectionAdmission _admission;
    private readonly SurgeMemoryRelease? _surge;
    private int _started;

    // Pump is set for a route mapped with a WebSocketMessageHandler, one for all its connections (Handler is then the
    // handler's RunAsync, for the transports a message pump cannot drive). Connection is the route's options resolved once
    // against the server's.
    private sealed record Route(string Path, Func<WebSocketConnection, CancellationToken, Task> Handler, WebSocketRouteOptions Options,
        WebSocketConnectionOptions Connection, MessagePump? Pump);

    /// <summary>Creates a server; call <c>Map</c> for each path, then <see cref="StartAsync"/>.</summary>
    public WebSocketServer(WebSocketServerOptions? options = null)
    {
        _options = options ?? new WebSocketServerOptions();
        _stoppingToken = _stopping.Token;
        _options.Connection.Validate();
        _logger = (_options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Ws101.Server");
        _fallback = new HttpFallbackResponder(_options, _logger);
        bool loops = _options.Transport switch
        {
            ServerTransport.EventLoop when !Transport.Linux.EventLoopGroup.IsSupported =>
                throw new PlatformNotSupportedException("ServerTransport.EventLoop needs Linux on x86-64; use Auto or Sockets."),
            ServerTransport.EventLoop => true,
            ServerTransport.Auto => Transport.Linux.EventLoopGroup.IsSupported,
            _ => false,
        };
        _useLoops = loops;
        _shedding = new HandshakeShedding(_handshakes, _options.HandshakeTimeout, answers: _options.Certificate is null, _options.MaxConnections);
        _admission = new ConnectionAdmission(_options.MaxConnections, _logger, _shedding);
        _surge = _options.ReleaseMemoryAfterSurge ? new SurgeMemoryRelease(_logger) : null;
        // One timer for everything time-bound: handshake deadlines, keepalive pings, send and close deadlines.
        // Per-connection timers or cancellation sources would cost memory on every idle connection and garbage on every handshake.
        var period = TimeSpan.FromMilliseconds(Math.Clamp(_options.HandshakeTimeout.TotalMilliseconds / 4, 50, 1000));
        _tick = new Timer(static state => ((WebSocketServer)state!).Tick(), this, period, period);
    }

    private void Tick()
    {
        // Never two at once (OverlapGuard): two ticks could abort the same handshake twice and report the same interval twice.
        if (!_ticking.TryEnter())
        {
            return;
        }
        try
        {
            TickOnce(Environment.TickCount64);
        }
        finally
        {
            _ticking.Exit();
        }
    }

    private void TickOnce(long now)
    {
        foreach (var (transport, deadline) in _handshakes)
        {
            if (deadline > 0 && now >= deadline && _handshakes.TryUpdate(transport, -1, deadline))
            {
                transport.Abort();
            }
        }
        _shedding.Trim();
        foreach (var session in _sessions)
        {
            session.OnHeartbeat(now);
        }
        _admission.OnTick(now);
        _surge?.OnTick(now, _admission.Count);
    }

    /// <summary>The options the server runs with.</summary>
    public WebSocketServerOptions Options => _options;

    /// <summary>The addresses actually listened on (with the real port when 0 was asked for), after <see cref="StartAsync"/>.</summary>
    public IReadOnlyList<IPEndPoint> EndPoints => _listeners.Select(l => (IPEndPoint)l.LocalEndPoint!).ToList();

    /// <summary>Connections open now (upgraded, not yet closed).</summary>
    public int ConnectionCount => _sessions.Count;

    /// <summary>Connections admitted and not yet ended: upgraded ones and those still in their TLS or HTTP handshake.</summary>
    internal int AdmittedCount => _admission.Count;

    /// <summary>Handshakes in progress (TLS and HTTP alike: one entry each, the socket's).</summary>
    internal int HandshakesInProgress => _handshakes.Count;

    /// <summary>Entries in the queue of handshakes in the order they began, ended ones not yet dropped included; for tests.</summary>
    internal int ShedQueueLength => _shedding.Queued;

    /// <summary>How long a handshake must have lasted before a newcomer at the connection limit may take its place; for tests.</summary>
    internal TimeSpan ShedMinimumAge
    {
        get => TimeSpan.FromMilliseconds(_shedding.MinimumAgeMs);
        set => _shedding.MinimumAgeMs = (long)value.TotalMilliseconds;
    }

    /// <summary>The open connections, for broadcasting or inspection.</summary>
    public IEnumerable<WebSocketConnection> Connections => _sessions.ToList();

    /// <summary>
    /// A token cancelled when the server stops, once every connection has had its closing handshake (or the shutdown
    /// deadline passed): handlers waiting on something other than their connection should end on it.
    /// </summary>
    public CancellationToken Stopping => _stoppingToken;

    /// <summary>
    /// Serves WebSocket connections on <paramref name="path"/>: an exact match, such as <c>/chat</c>, or a prefix ending
    /// in <c>/*</c>, such as <c>/topic/*</c>, for every longer path under it (exact paths win; the longest prefix next).
    /// </summary>
    public WebSocketServer Map(string path, Func<WebSocketConnection, CancellationToken, Task> handler, WebSocketRouteOptions? options = null) =>
        AddRoute(path, handler, options, null);

    /// <summary>
    /// Serves WebSocket connections on <paramref name="path"/> (as <see cref="Map(string, Func{WebSocketConnection, CancellationToken, Task}, WebSocketRouteOptions?)"/>)
    /// with callbacks: on the event-loop transport an idle connection then holds no suspended method and no request head,
    /// which makes it several times smaller (see <see cref="WebSocketMessageHandler"/>). Over TLS and on the Sockets transport
    /// the handler runs as a receive loop (<see cref="WebSocketMessageHandler.RunAsync"/>), with the same calls in the same order.
    /// </summary>
    public WebSocketServer Map(string path, WebSocketMessageHandler handler, WebSocketRouteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return AddRoute(path, handler.RunAsync, options, handler);
    }

    private WebSocketServer AddRoute(string path, Func<WebSocketConnection, CancellationToken, Task> handler, WebSocketRouteOptions? options, WebSocketMessageHandler? messageHandler)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(handler);
        if (!path.StartsWith('/'))
        {
            throw new ArgumentException($"A path starts with '/'; '{path}' does not.", nameof(path));
        }
        options ??= new WebSocketRouteOptions();
        if (!_routes.TryAdd(path, new Route(path, handler, options, options.ConnectionOptions(_options.Connection),
            messageHandler is null ? null : new MessagePump(messageHandler, this))))
        {
            throw new ArgumentException($"Path '{path}' is already mapped.", nameof(path));
        }
        return this;
    }

    /// <summary>Binds every endpoint and starts accepting.</summary>
    /// <exception cref="SocketException">An address could not be bound (in use, not local).</exception>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            throw new InvalidOperationException("The server is already started.");
        }
        // Everything the server needs besides connections is opened now, while descriptors are plentiful (the spare
        // descriptors, the event loops with an epoll descriptor, an eventfd and a thread each, the listeners, what the
        // upgrade path loads); then the connection limit is fitted to the descriptors left (DescriptorBudget).
        _admission.OpenReserve();
        if (_options.Certificate is { } certificate)
        {
            // Built once: given only ServerCertificate, SslStream builds the certificate's chain again (reading the
            // certificate stores from disk) on every TLS handshake.
            _tls = new SslServerAuthenticationOptions
            {
                ServerCertificateContext = SslStreamCertificateContext.Create(certificate, additionalCertificates: null),
                ClientCertificateRequired = false,
            };
        }
        if (_useLoops)
        {
            _loops = new Transport.Linux.EventLoopGroup(Environment.ProcessorCount);
        }
        foreach (var endPoint in _options.EndPoints)
        {
            var listener = ListeningSocket.Open(endPoint, _options.ListenBacklog, _options.ReusePort);
            _listeners.Add(listener);
            ServerLog.Listening(_logger, _options.Certificate is null ? "ws" : "wss", listener.LocalEndPoint,
                _options.ReusePort ? " (SO_REUSEPORT: shared with other processes listening there)" : "");
        }
        LoadWhatConnectionsUse();
        _admission.FitToDescriptorLimit();
        foreach (var listener in _listeners)
        {
            if (_loops is not null)
            {
                // Accepted on an event loop: the accept, the handshake and the handler's first steps run on its thread.
                var watched = new Transport.Linux.EpollListener(listener, _loops.Next());
                _loopListeners.Add(watched);
                _acceptLoops.Add(Task.Run(() => AcceptOnLoopAsync(watched), CancellationToken.None));
            }
            else
            {
                _acceptLoops.Add(OperatingSystem.IsLinux() ? StartAcceptThread(listener) : Task.Run(() => AcceptLoopAsync(listener), CancellationToken.None));
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Runs the upgrade path once on a made-up request, with no socket, so that what it loads on first use is loaded now,
    /// while descriptors are plentiful: System.Private.Uri (request targets), the OpenSSL libraries (the accept key's SHA-1),
    /// System.Net.Security, the metrics, and zlib when a route compresses. An assembly that fails to load for want of a
    /// descriptor stays failed for the life of the process: loaded first during a flood, it would fail every later handshake.
    /// </summary>
    private void LoadWhatConnectionsUse()
    {
        var request = "GET http://127.0.0.1/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"u8;
        if (HttpRequestHead.Parse(request, _options.RequestLimits).Head is { } head)
        {
            _ = head.Path;
            // The upgrade sequence every handshake runs, on a blank route: no application callback is called.
            var response = new PooledBufferWriter();
            _ = ServerUpgrade.Run(head, new WebSocketRouteOptions(), _options.Connection, response);
            response.Reset(release: true);
        }
        _ = typeof(SslStream).Assembly;
        System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(typeof(Ws101Metrics).TypeHandle);
        if (_options.Connection.Compression is not null || _routes.Values.Any(r => r.Connection.Compression is not null))
        {
            using var deflate = new System.IO.Compression.DeflateStream(Stream.Null, System.IO.Compression.CompressionLevel.Fastest);
            deflate.WriteByte(0);
        }
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        int backoffMs = 0;
        using var accept = new ListenerAccept();
        while (!_accepting.IsCancellationRequested)
        {
            SocketError error;
            try
            {
                error = await accept.AcceptAsync(listener).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            if (_accepting.IsCancellationRequested)
            {
                accept.Accepted?.Dispose();
                return;
            }
            if (error is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                // The client gave up while it waited in the backlog: nothing to answer, nothing wrong here.
                continue;
            }
            if (accept.Accepted is not { } socket)
            {
                // EMFILE and friends: counted, reported once per interval, and backed off (ConnectionAdmission).
                backoffMs = await _admission.AcceptFailedAsync(error, backoffMs, _accepting.Token).ConfigureAwait(false);
                continue;
            }
            backoffMs = 0;
            Admit(socket);
        }
    }

    /// <summary>
    /// The Sockets transport on Linux accepts from each listening socket on a thread of its own, made at start, with poll and accept4:
    /// nothing on the accept path needs the thread pool, a timer or a new descriptor. Out of descriptors (a limit
    /// lowered from outside, say), an accept completed through .NET's socket engine ran on a pool thread, and when the
    /// pool had to start one for it, which takes a descriptor on Linux, the process aborted ("Out of memory.") before
    /// the accept could fail and give the spare descriptors back. Here the failure is seen, the spares are released, and
    /// the back-off is a sleep of this thread. Accepted sockets go to the pool as before, with descriptors free again.
    /// </summary>
    private Task StartAcceptThread(Socket listener)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                AcceptOnThisThread(listener);
            }
            finally
            {
                done.TrySetResult();
            }
        })
        {
            IsBackground = true,
            Name = "ws101 accept",
        };
        thread.UnsafeStart();
        return done.Task;
    }

    private unsafe void AcceptOnThisThread(Socket listener)
    {
        bool added = false;
        SafeSocketHandle handle = listener.SafeHandle;
        try
        {
            // Held for the loop: a listener closed by DisposeAsync keeps its descriptor number until this thread lets go,
            // so that the number is never polled after another socket took it.
            handle.DangerousAddRef(ref added);
            int fd = (int)handle.DangerousGetHandle();
            // Non-blocking, so that a client gone from the backlog between poll and accept4 costs an EAGAIN, not a wait.
            listener.Blocking = false;
            int backoffMs = 0;
            while (!_accepting.IsCancellationRequested)
            {
                var pollFd = new Transport.Linux.Libc.PollFd { Fd = fd, Events = Transport.Linux.Libc.POLLIN };
                // A tenth of a second at most, so that a stopping server is noticed.
                int ready = Transport.Linux.Libc.poll(&pollFd, 1, 100);
                if (ready <= 0 || _accepting.IsCancellationRequested)
                {
                    continue;
                }
                if ((pollFd.Revents & Transport.Linux.Libc.POLLIN) == 0)
                {
                    // POLLERR, POLLHUP or POLLNVAL without data: the listener was shut down.
                    return;
                }
                int accepted = Transport.Linux.Libc.accept4(fd, null, null, Transport.Linux.Libc.SOCK_CLOEXEC);
                if (accepted < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    SocketError error = errno switch
                    {
                        Transport.Linux.Libc.EAGAIN or Transport.Linux.Libc.EINTR => SocketError.Success,
                        Transport.Linux.Libc.ECONNABORTED => SocketError.ConnectionAborted,
                        Transport.Linux.Libc.EMFILE or Transport.Linux.Libc.ENFILE => SocketError.TooManyOpenSockets,
                        Transport.Linux.Libc.ENOBUFS or Transport.Linux.Libc.ENOMEM => SocketError.NoBufferSpaceAvailable,
                        _ => SocketError.SocketError,
                    };
                    if (error is SocketError.Success or SocketError.ConnectionAborted)
                    {
                        // Another accept took it, or the client gave up while it waited in the backlog: nothing to answer.
                        continue;
                    }
                    // EMFILE and friends: counted, reported once per interval, and backed off (ConnectionAdmission).
                    backoffMs = _admission.AcceptFailed(error, backoffMs);
                    if (backoffMs > 0)
                    {
                        _accepting.Token.WaitHandle.WaitOne(backoffMs);
                    }
                    continue;
                }
                backoffMs = 0;
                var socket = new Socket(new SafeSocketHandle(accepted, ownsHandle: true));
                Admit(socket);
            }
        }
        catch (ObjectDisposedException)
        {
            // The server stopped before this thread began.
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>Counts an accepted socket in (or answers it 503 at once) and starts its handshake on the thread pool.</summary>
    private void Admit(Socket socket)
    {
        if (!_admission.TryAdmit(socket))
        {
            return;
        }
        socket.NoDelay = true;
        ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Server.HandleSocketAsync(new SocketTransport(state.Socket), state.Socket.RemoteEndPoint),
            (Server: this, Socket: socket), preferLocal: false);
    }


    /// <summary>
    /// The accept loop of the event-loop transport: on each edge of the listening socket, takes every waiting connection
    /// (accept4 until EAGAIN) and runs its handshake right there, on the loop's thread, up to its first wait. Failures
    /// are counted and backed off exactly as <see cref="AcceptLoopAsync"/> does.
    /// </summary>
    private async Task AcceptOnLoopAsync(Transport.Linux.EpollListener listener)
    {
        int backoffMs = 0;
        while (!_accepting.IsCancellationRequested)
        {
            try
            {
                await listener.WaitAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            while (!_accepting.IsCancellationRequested)
            {
                int fd = listener.TryAccept(out var remote, out int errno);
                if (fd < 0)
                {
                    if (errno == Transport.Linux.Libc.EAGAIN)
                    {
                        break;
                    }
                    if (errno is Transport.Linux.Libc.EBADF or Transport.Linux.Libc.EINVAL)
                    {
                        // The listener was closed: the server is stopping.
                        return;
                    }
                    if (errno == Transport.Linux.Libc.ECONNABORTED)
                    {
                        // The client gave up while it waited in the backlog: nothing to answer, nothing wrong here.
                        continue;
                    }
                    // Backed off on the loop's own clock: a Task.Delay would resume on the thread pool, which may start
                    // a thread then, and with no descriptor left the runtime cannot and aborts (EpollListener.BackOffAsync).
                    backoffMs = _admission.AcceptFailed(AcceptError(errno), backoffMs);
                    if (backoffMs > 0)
                    {
                        try
                        {
                            await listener.BackOffAsync(backoffMs).ConfigureAwait(false);
                        }
                        catch (ObjectDisposedException)
                        {
                            return;
                        }
                    }
                    continue;
                }
                backoffMs = 0;
                if (!_admission.TryAdmit(fd))
                {
                    continue;
                }
                Transport.Linux.EpollSocketTransport transport;
                try
                {
                    transport = new Transport.Linux.EpollSocketTransport(fd, remote, _loops!.Next());
                }
                catch (SocketException ex)
                {
                    _admission.Leave();
                    ServerLog.EventLoopRegistrationFailed(_logger, remote.ToEndPoint(), ex.SocketErrorCode);
                    Transport.Linux.Libc.close(fd);
                    continue;
                }
                _ = HandleSocketAsync(transport, transport.RemoteEndPoint);
            }
        }

        static SocketError AcceptError(int errno) => errno switch
        {
            Transport.Linux.Libc.EMFILE or Transport.Linux.Libc.ENFILE => SocketError.TooManyOpenSockets,
            Transport.Linux.Libc.ENOBUFS or Transport.Linux.Libc.ENOMEM => SocketError.NoBufferSpaceAvailable,
            _ => SocketError.SocketError,
        };
    }

    private async Task HandleSocketAsync(DuplexTransport transport, EndPoint? remote)
    {
        SocketTransport? socketTransport = transport as SocketTransport;
        // The accept loop admitted (counted) this connection; the finally below counts it out, or the session's end does.
        bool sessionStarted = false;
        try
        {
            WebSocketConnection? connection = null;
            Route? route = null;
            // The socket's own transport, under any TLS: the handshake's one entry in the table (see _handshakes).
            DuplexTransport socketLevel = transport;
            long deadline = Environment.TickCount64 + (long)_options.HandshakeTimeout.TotalMilliseconds;
            _handshakes[transport] = deadline;
            _shedding.Started(transport, deadline);
            try
            {
                if (_tls is not null)
                {
                    // On an event loop, TLS rides the loop's non-blocking socket: records are decrypted and encrypted on
                    // the loop thread where their I/O completed, as plain frames are.
                    // The TLS transport has no entry of its own: aborting it aborts the socket, whose entry the tick marks
                    // before it aborts, so the end below always finds the mark. With an entry each, the tick could abort
                    // through the socket's first, and on an event loop the failure ran the end on the tick's own thread
                    // before the TLS entry was marked: a timeout reported as a failure, and not counted.
                    var ssl = new SslStream(socketTransport is not null ? new NetworkStream(socketTransport.Socket, ownsSocket: false) : new TransportStream(socketLevel), leaveInnerStreamOpen: false);
                    transport = new StreamTransport(ssl, socketLevel);
                    await ssl.AuthenticateAsServerAsync(_tls, _accepting.Token).ConfigureAwait(false);
                }
                (connection, route) = await HandshakeAsync(transport, socketLevel, deadline, remote, _accepting.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or SocketException or System.Security.Authentication.AuthenticationException or ObjectDisposedException or OperationCanceledException)
            {
                _handshakes.TryGetValue(socketLevel, out long mark);
                if (mark == HandshakeShedding.ShedMark)
                {
                    // Counted and reported in aggregate where it was shed (ConnectionAdmission): one line per interval, not one per connection.
                }
                else if (mark == -1)
                {
                    Metrics("handshake-timeout");
                    ServerLog.HandshakeTimedOut(_logger, remote, _options.HandshakeTimeout.TotalSeconds);
                }
                else
                {
                    ServerLog.HandshakeFailed(_logger, remote, ex.Message);
                }
            }
            finally
            {
                _handshakes.TryRemove(socketLevel, out _);
            }
            if (connection is null || route is null)
            {
                await transport.DisposeAsync().ConfigureAwait(false);
                return;
            }
            // The session runs in this same async frame: one suspended state machine per idle connection, not two. With a
            // message handler on the event loop, not even that one: the pump holds the connection as plain state, and ends
            // the session (PumpEnded) when the connection ends.
            connection.Session.Opened = System.Diagnostics.Stopwatch.GetTimestamp();
            connection.Session.Slot = _sessions.Add(connection);
            Ws101Metrics.ActiveConnections.Add(1);
            sessionStarted = true;
            if (route.Pump is { } pump && MessagePump.CanDrive(transport))
            {
                pump.Start(connection);
                return;
            }
            try
            {
                await route.Handler(connection, _stopping.Token).ConfigureAwait(false);
                if (connection.State == ConnectionState.Open)
                {
                    await connection.CloseAsync(CloseCode.NormalClosure, "", CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is WebSocketClosedException || (ex is OperationCanceledException && _stopping.IsCancellationRequested))
            {
            }
            catch (Exception ex)
            {
                ServerLog.HandlerFailed(_logger, ex, connection.Handshake.Path, remote);
                try
                {
                    await connection.CloseAsync(CloseCode.InternalServerError, "The server's handler failed.", CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception closeError) when (closeError is WebSocketClosedException or IOException or SocketException or ObjectDisposedException)
                {
                }
            }
            finally
            {
                await EndSessionAsync(connection, remote).ConfigureAwait(false);
            }
        }
        finally
        {
            if (!sessionStarted)
            {
                _admission.Leave();
            }
        }
    }

    /// <summary>After a session's handler (or pump) is done: releases the connection and counts it out.</summary>
    private async Task EndSessionAsync(WebSocketConnection connection, EndPoint? remote)
    {
        try
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _sessions.Remove(connection.Session.Slot, connection);
            Ws101Metrics.ActiveConnections.Add(-1);
            Ws101Metrics.ConnectionDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(connection.Session.Opened).TotalSeconds);
            // The address read at accept: a disposed socket no longer has one (asking it throws).
            ServerLog.Closed(_logger, remote, connection.Handshake.Path, (int?)connection.CloseStatus, connection.CloseReason);
            _admission.Leave();
        }
    }

    void IMessagePumpOwner.HandlerFailed(WebSocketConnection connection, Exception exception) =>
        ServerLog.HandlerFailed(_logger, exception, connection.Handshake.Path, connection.RemoteEndPoint);

    void IMessagePumpOwner.PumpEnded(WebSocketConnection connection) => _ = EndSessionAsync(connection, connection.RemoteEndPoint);

    private bool TryMatchPrefix(string path, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Route? route)
    {
        route = null;
        int best = 0;
        foreach (var (key, candidate) in _routes)
        {
            if (key.EndsWith("/*", StringComparison.Ordinal) && key.Length - 1 > best && path.Length > key.Length - 1
                && path.AsSpan().StartsWith(key.AsSpan(0, key.Length - 1), StringComparison.Ordinal))
            {
                best = key.Length - 1;
                route = candidate;
            }
        }
        return route is not null;
    }

    private static void Metrics(string problem) => Ws101Metrics.Rejected(problem);

    private static readonly Version Http11 = new(1, 1);

    /// <summary>Reads and answers the upgrade request; returns the connection when upgraded.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(WebSocketConnection?, Route?)> HandshakeAsync(DuplexTransport transport, DuplexTransport socketLevel, long deadline, EndPoint? remote,
        CancellationToken cancellationToken)
    {
        var limits = _options.RequestLimits;
        int size = Math.Min(4096, limits.MaxHeadBytes + 1);
        byte[]? buffer = ArrayPool<byte>.Shared.Rent(size);
        int filled = 0;
        try
        {
            // What has arrived is taken at once (on the event loop the request has usually come with the connection); only
            // when nothing has does the wait begin, and it holds no buffer, so a connection that sends nothing holds none.
            int first = transport.TryReceiveNow(buffer);
            if (first < 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = null;
                await transport.WaitReadableAsync(cancellationToken).ConfigureAwait(false);
                buffer = ArrayPool<byte>.Shared.Rent(size);
            }
            while (true)
            {
                if (filled == buffer.Length)
                {
                    if (buffer.Length > limits.MaxHeadBytes)
                    {
                        // The parser has already judged a full buffer; reaching here means it asked for more than the limit.
                        break;
                    }
                    buffer = PooledArrays.Grow(buffer, filled, Math.Min(buffer.Length * 2, limits.MaxHeadBytes + 1));
                }
                int n = first >= 0 ? first : await transport.ReceiveAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                first = -1;
                if (n == 0)
                {
                    if (!_shedding.TryClaim(socketLevel, deadline))
                    {
                        // Shed or timed out while it read: the end it read is that, not the client's.
                        return (null, null);
                    }
                    Metrics(HandshakeProblemCatalog.Get(HandshakeProblemCode.TruncatedHead).Id);
                    ServerLog.RequestTruncated(_logger, remote, filled);
                    return (null, null);
                }
                filled += n;
                var parsed = HttpRequestHead.Parse(buffer.AsSpan(0, filled), limits);
                if (parsed.Status == HttpParseStatus.NeedMoreData)
                {
                    continue;
                }
                if (!_shedding.TryClaim(socketLevel, deadline))
                {
                    // Shed (or timed out) just before it had its request: it is being dropped, and must not answer now.
                    return (null, null);
                }
                if (parsed.Status == HttpParseStatus.Invalid)
                {
                    await RefuseAsync(transport, HandshakeRejection.For([parsed.Problem!]), remote, StartUpgradeSpan("", "", Http11, remote)).ConfigureAwait(false);
                    return (null, null);
                }
                var head = parsed.Head!;
                if (!_routes.TryGetValue(head.Path, out var route) && !TryMatchPrefix(head.Path, out route))
                {
                    if (_fallback.Answers(head))
                    {
                        await _fallback.AnswerAsync(transport, head, buffer.AsMemory(parsed.BytesConsumed, filled - parsed.BytesConsumed), remote, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        string endpoints = string.Join(", ", _routes.Keys.Order(StringComparer.Ordinal));
                        await RefuseAsync(transport, HandshakeRejection.ByApplication(404, $"No WebSocket endpoint at {head.Path}; this server has: {endpoints}."), remote,
                            StartUpgradeSpan(head.Method, head.Path, head.Version, remote)).ConfigureAwait(false);
                    }
                    return (null, null);
                }
                // Validate, decide, choose the subprotocol and extensions, and write the 101: the sequence MapWs101 runs too.
                var response = new PooledBufferWriter();
                var span = StartUpgradeSpan(head.Method, head.Path, head.Version, remote);
                try
                {
                    var upgrade = ServerUpgrade.Run(head, route.Options, _options.Connection, response, reportDeclined: _logger.IsEnabled(LogLevel.Debug), routeConnection: route.Connection);
                    ServerUpgradeLog.Decided(_logger, remote, upgrade);
                    if (!upgrade.IsAccepted)
                    {
                        await RefuseAsync(transport, upgrade.Rejection, remote, span).ConfigureAwait(false);
                        span = null;
                        return (null, null);
                    }
                    await transport.SendAsync(response.WrittenMemory, cancellationToken).ConfigureAwait(false);
                    ServerUpgradeLog.Accepted(_logger, remote, upgrade, head.Version, span);
                    span = null;
                    upgrade.Info.ShareTarget(route.Path);
                    var connection = new WebSocketConnection(transport, WebSocketRole.Server, upgrade.Options, upgrade.Info,
                        buffer.AsSpan(parsed.BytesConsumed, filled - parsed.BytesConsumed), upgrade.Deflate);
                    return (connection, route);
                }
                finally
                {
                    response.Reset(release: true);
                    // Still set when the 101 could not be sent: the span ends as an error with what went wrong.
                    if (span is not null)
                    {
                        span.SetStatus(System.Diagnostics.ActivityStatusCode.Error, "the 101 could not be sent");
                        span.Dispose();
                    }
                }
            }
            return (null, null);
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static System.Diagnostics.Activity? StartUpgradeSpan(string method, string path, Version version, EndPoint? remote) =>
        ServerUpgradeLog.Start(method, path, version, remote as IPEndPoint, System.Diagnostics.ActivityKind.Server);

    private async Task RefuseAsync(DuplexTransport transport, HandshakeRejection rejection, EndPoint? remote, System.Diagnostics.Activity? span)
    {
        // This server reads HTTP/1.x only; an HTTP/2 WebSocket reaches Ws101 through Kestrel (MapWs101).
        ServerUpgradeLog.Refused(_logger, remote, rejection, Http11, span);
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await transport.SendAsync(rejection.ToResponseBytes(), cts.Token).ConfigureAwait(false);
            // The client may still be sending (frames after its upgrade request, a body): read on until it closes, so
            // that the close is not a reset that destroys the answer before it is read.
            await LingeringClose.ShutdownAndDrainAsync(transport, _accepting.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            await transport.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stops the server: no new connections; every open one gets a close with 1001 (going away); waits up to
    /// <see cref="WebSocketServerOptions.ShutdownTimeout"/> for them to finish, then drops the rest.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopRequested, 1) == 1)
        {
            return;
        }
        // Stop accepting; then close every connection with 1001 while its handler still runs, so that handlers end
        // on the peer's close reply rather than on a cancelled receive or send in the middle of a frame.
        _accepting.Cancel();
        foreach (var watched in _loopListeners)
        {
            watched.Dispose();
        }
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }
        var closing = Task.WhenAll(_sessions.ToList().Select(c => CloseQuietlyAsync(c)).Concat(_acceptLoops));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.ShutdownTimeout);
        try
        {
            // Handlers end once their connection closes; wait for the last one, within the deadline.
            while (!_sessions.IsEmpty)
            {
                await Task.Delay(20, deadline.Token).ConfigureAwait(false);
            }
            await closing.WaitAsync(deadline.Token).ConfigureAwait(false);
            _stopping.Cancel();
        }
        catch (OperationCanceledException)
        {
            // Past the deadline: tell the handlers still running, and drop what is left.
            _stopping.Cancel();
            foreach (var connection in _sessions)
            {
                connection.Abort(CloseCode.GoingAway, "The server stopped.");
            }
            for (int i = 0; i < 50 && !_sessions.IsEmpty; i++)
            {
                await Task.Delay(20, CancellationToken.None).ConfigureAwait(false);
            }
        }
        await _tick.DisposeAsync().ConfigureAwait(false);
        _loops?.Dispose();
        _admission.Dispose();
        ServerLog.Stopped(_logger);

        static async Task CloseQuietlyAsync(WebSocketConnection c)
        {
            try
            {
                await c.CloseAsync(CloseCode.GoingAway, "The server is shutting down.", CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketClosedException or InvalidOperationException or IOException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>Stops the server (see <see cref="StopAsync"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_started == 1)
        {
            await StopAsync().ConfigureAwait(false);
        }
        _stopping.Dispose();
        _accepting.Dispose();
    }
}
