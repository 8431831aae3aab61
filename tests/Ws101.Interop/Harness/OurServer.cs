using System.Globalization;
using System.Net;
using Ws101.Protocol;
using Ws101.Server;

namespace Ws101.Interop.Harness;

/// <summary>
/// Our <see cref="WebSocketServer"/> on 127.0.0.1 and a port the OS picks, with the routes the wire tests
/// point real peers at. Every handler reports what it saw as <see cref="PeerEvent"/>s (open, message with
/// <c>fragments</c> = 1 when it arrived whole, pong with <c>rtt</c>, close), so a test reads our server
/// like any other peer server.
/// </summary>
/// <remarks>
/// Routes: <c>/echo</c> echoes every message; <c>/bye</c> echoes <see cref="ByeAfterMessages"/> messages, then
/// closes with 4000 "bye"; <c>/close-4002</c> closes with 4002 <see cref="Close4002Reason"/> right after the handshake;
/// <c>/ping</c> pings the peer, sends "rtt N ms" as text and then echoes until the peer closes; <c>/proto</c> echoes,
/// agrees to the subprotocols <c>ws101.v2</c> or <c>ws101.v1</c> (in that preference), and refuses the Origin
/// <c>http://evil.example</c> with 403; <c>/throw</c> reads one message and then throws (the server closes with 1011).
/// </remarks>
public sealed class OurServer : IAsyncDisposable
{
    /// <summary>The reason <c>/close-4002</c> sends: not ASCII, so that its UTF-8 is checked on the way.</summary>
    public const string Close4002Reason = "server done ✓ fertig";

    /// <summary>How many messages <c>/bye</c> echoes before it closes.</summary>
    public const int ByeAfterMessages = 2;

    private readonly WaitableLog<PeerEvent> _events = new();
    private readonly WaitableLog<WebSocketConnection> _accepted = new();
    private int _nextConnection;

    private OurServer(WebSocketServer server) => Server = server;

    /// <summary>The running server.</summary>
    public WebSocketServer Server { get; }

    /// <summary>The port it listens on.</summary>
    public int Port => Server.EndPoints[0].Port;

    /// <summary>Whether it serves wss.</summary>
    public bool IsSecure => Server.Options.Certificate is not null;

    /// <summary>Every connection a handler was given, in order (kept after they close, to read how they ended).</summary>
    public IReadOnlyList<WebSocketConnection> Accepted => _accepted.Snapshot();

    /// <summary>What the handlers reported so far.</summary>
    public IReadOnlyList<PeerEvent> Events => _events.Snapshot();

    /// <summary>
    /// Starts the server with <paramref name="transport"/>, serving wss when <paramref name="certificate"/> is given,
    /// with <paramref name="connection"/> options (keepalive, limits) or the defaults.
    /// </summary>
    internal static async Task<OurServer> StartAsync(ServerTransport transport = ServerTransport.Auto, TestCertificate? certificate = null,
        WebSocketConnectionOptions? connection = null, CancellationToken cancellationToken = default)
    {
        var server = new WebSocketServer(new WebSocketServerOptions
        {
            EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)],
            Certificate = certificate?.Certificate,
            Transport = transport,
            ShutdownTimeout = TimeSpan.FromSeconds(2),
            Connection = connection ?? WebSocketConnectionOptions.Default,
        });
        var ours = new OurServer(server);
        server.Map("/echo", (ws, ct) => ours.LoopAsync(ws, echo: true, closeAfter: null, ct));
        server.Map("/bye", (ws, ct) => ours.LoopAsync(ws, echo: true, closeAfter: ByeAfterMessages, ct));
        server.Map("/close-4002", async (ws, ct) =>
        {
            int conn = ours.Opened(ws);
            await ws.CloseAsync((CloseCode)4002, Close4002Reason, ct).ConfigureAwait(false);
            ours.Closed(conn, ws.CloseStatus, ws.CloseReason);
        });
        server.Map("/ping", async (ws, ct) =>
        {
            int conn = ours.Opened(ws);
            Task receiving = ours.ReceiveUntilCloseAsync(ws, conn, echo: true, closeAfter: null, ct);
            TimeSpan rtt = await ws.PingAsync("ws101"u8.ToArray(), ct).ConfigureAwait(false);
            ours.Add(conn, PeerEventKind.Pong, new() { ["length"] = 5, ["rtt"] = rtt.TotalMilliseconds });
            await ws.SendTextAsync(string.Create(CultureInfo.InvariantCulture, $"rtt {rtt.TotalMilliseconds:0.###} ms"), ct).ConfigureAwait(false);
            await receiving.ConfigureAwait(false);
        });
        server.Map("/throw", async (ws, ct) =>
        {
            int conn = ours.Opened(ws);
            await ws.ReceiveAsync(ct).ConfigureAwait(false);
            ours.Add(conn, "threw", []);
            throw new InvalidOperationException("The /throw handler fails on purpose.");
        });
        server.Map("/proto", (ws, ct) => ours.LoopAsync(ws, echo: true, closeAfter: null, ct), new WebSocketRouteOptions
        {
            Subprotocols = ["ws101.v2", "ws101.v1"],
            OnUpgrade = request => request.Origin == "http://evil.example"
                ? UpgradeDecision.Reject(403, "That Origin may not use this endpoint.")
                : UpgradeDecision.Accept(),
        });
        await server.StartAsync(cancellationToken).ConfigureAwait(false);
        return ours;
    }

    /// <summary>The URL of <paramref name="path"/> on this server.</summary>
    public Uri Url(string path) => new($"{(IsSecure ? "wss" : "ws")}://127.0.0.1:{Port}{path}");

    /// <summary>Waits for a handler's event that matches, failing with every event so far after <paramref name="timeout"/> (default <see cref="PeerTimeouts.Step"/>).</summary>
    public Task<PeerEvent> WaitForEventAsync(Func<PeerEvent, bool> match, string description, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _events.WaitForAsync(match, $"our server: {description}", timeout ?? PeerTimeouts.Step, Diagnostics, cancellationToken);

    /// <summary>Every event so far, for assertion messages.</summary>
    public string Diagnostics() => "--- our server's handlers reported:" + Environment.NewLine
        + string.Join(Environment.NewLine, Events.Select(e => "      " + e));

    private async Task LoopAsync(WebSocketConnection ws, bool echo, int? closeAfter, CancellationToken ct)
    {
        int conn = Opened(ws);
        await ReceiveUntilCloseAsync(ws, conn, echo, closeAfter, ct).ConfigureAwait(false);
    }

    private async Task ReceiveUntilCloseAsync(WebSocketConnection ws, int conn, bool echo, int? closeAfter, CancellationToken ct)
    {
        int count = 0;
        while (true)
        {
            WebSocketMessage m = await ws.ReceiveAsync(ct).ConfigureAwait(false);
            if (m.IsClose)
            {
                Closed(conn, m.CloseStatus, m.CloseReason);
                return;
            }
            var seen = new Dictionary<string, object?>
            {
                ["type"] = m.Kind == WebSocketMessageKind.Text ? PeerMessageType.Text : PeerMessageType.Binary,
                ["length"] = m.Data.Length,
                ["sha256"] = Payload.Sha256Hex(m.Data.Span),
                ["fragments"] = m.EndOfMessage ? 1 : 0,
            };
            if (echo)
            {
                await ws.SendAsync(m.Data, m.Kind, m.EndOfMessage, ct).ConfigureAwait(false);
            }
            // Reported once the echo is written: a test that stops the server on this event must not race the echo
            // (after the server's close, RFC 6455 §5.5.1 allows no data frame, so a late echo would never arrive).
            Add(conn, PeerEventKind.Message, seen);
            if (closeAfter is { } n && ++count == n)
            {
                // CloseAsync reads on to the peer's close when no other receive runs, as here.
                await ws.CloseAsync((CloseCode)4000, "bye", ct).ConfigureAwait(false);
                Closed(conn, ws.CloseStatus, ws.CloseReason);
                return;
            }
        }
    }

    private int Opened(WebSocketConnection ws)
    {
        int conn = Interlocked.Increment(ref _nextConnection);
        _accepted.Add(ws);
        Add(conn, PeerEventKind.Open, new()
        {
            ["path"] = ws.Handshake.Path,
            ["protocol"] = ws.Subprotocol ?? "",
            ["origin"] = ws.Handshake.Request?.Origin,
        });
        return conn;
    }

    private void Closed(int conn, CloseCode? status, string? reason) =>
        Add(conn, PeerEventKind.Close, new() { ["code"] = (int?)status, ["reason"] = reason ?? "" });

    private void Add(int conn, string kind, Dictionary<string, object?> fields)
    {
        fields["conn"] = conn;
        _events.Add(PeerEvent.Create(kind, fields));
    }

    /// <summary>Stops the server (closing what is still open with 1001).</summary>
    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
