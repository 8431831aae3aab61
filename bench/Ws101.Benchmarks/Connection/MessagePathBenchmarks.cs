using System.Buffers;
using System.Net.WebSockets;
using BenchmarkDotNet.Attributes;
using Ws101.Handshake;
using Ws101.Protocol;

namespace Ws101.Benchmarks.Connection;

/// <summary>
/// The managed cost of echoing one binary message on a server connection, with no kernel under it: ws101's message pump
/// with an echo handler (as <c>ws101 serve</c>'s /echo) over <see cref="ReadyFramesTransport"/>, beside .NET's own
/// WebSocket (<see cref="WebSocket.CreateFromStream(Stream, WebSocketCreationOptions)"/>, what Kestrel's UseWebSockets
/// runs) receiving and sending over <see cref="ReadyFramesStream"/>. Each message is one masked frame from the client,
/// parsed, unmasked, handed over and echoed as one unmasked frame. The time is per message (OperationsPerInvoke).
/// </summary>
/// <remarks>
/// What the server bench's CPU per message holds beside the kernel's share, measured without the machine's drift (see
/// docs/performance.md): this is the part of a 20 B echo a change to ws101's own code can move.
/// </remarks>
[MemoryDiagnoser]
public class MessagePathBenchmarks
{
    /// <summary>Messages echoed per benchmark call.</summary>
    internal const int Messages = 64;
    private ReadyFramesTransport _transport = null!;
    private ReadyFramesStream _stream = null!;
    private WebSocket _dotnet = null!;
    private byte[] _buffer = [];

    /// <summary>Payload bytes per message.</summary>
    [Params(20, 1024, 16384)]
    public int Payload { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        byte[] frame = ClientFrame(Payload);
        int echoed = EchoedLength(Payload);

        _transport = StartEcho(frame);
        _transport.Arrive();
        Check("ws101", _transport.BytesSent, echoed);

        _stream = new ReadyFramesStream(frame);
        _dotnet = WebSocket.CreateFromStream(_stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        _buffer = new byte[Math.Max(Payload, 16)];
        DotNet().GetAwaiter().GetResult();
        Check(".NET WebSocket", _stream.BytesWritten, echoed * Messages);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages, Description = ".NET WebSocket: ReceiveAsync + SendAsync")]
    public async Task<long> DotNet()
    {
        for (int i = 0; i < Messages; i++)
        {
            var received = await _dotnet.ReceiveAsync(_buffer.AsMemory(), CancellationToken.None).ConfigureAwait(false);
            await _dotnet.SendAsync(_buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, CancellationToken.None).ConfigureAwait(false);
        }
        return _stream.BytesWritten;
    }

    [Benchmark(OperationsPerInvoke = Messages, Description = "ws101: message pump, echo handler")]
    public long Ws101()
    {
        for (int i = 0; i < Messages; i++)
        {
            _transport.Arrive();
        }
        return _transport.BytesSent;
    }

    /// <summary>One binary message of <paramref name="payload"/> random bytes, framed and masked as a client sends it.</summary>
    internal static byte[] ClientFrame(int payload)
    {
        byte[] data = new byte[payload];
        new Random(1).NextBytes(data);
        var wire = new ArrayBufferWriter<byte>();
        new WebSocketConnectionCore(WebSocketRole.Client).WriteMessage(wire, WebSocketMessageKind.Binary, data);
        return wire.WrittenSpan.ToArray();
    }

    /// <summary>The bytes of the server's unmasked echo of a <paramref name="payload"/>-byte message (all sizes here are under 64 KiB).</summary>
    internal static int EchoedLength(int payload) => payload + (payload < 126 ? 2 : 4);

    /// <summary>A server connection pumped by the echo handler over a transport serving <paramref name="frame"/> at each edge.</summary>
    internal static ReadyFramesTransport StartEcho(byte[] frame)
    {
        var transport = new ReadyFramesTransport(frame);
        var connection = new WebSocketConnection(transport, WebSocketRole.Server, WebSocketConnectionOptions.Default,
            new WebSocketHandshakeInfo("/echo", new HttpHeaders(), new HttpHeaders(), null, [], "", ""), default);
        new MessagePump(new Echo(), new Owner()).Start(connection);
        return transport;
    }

    /// <summary>A benchmark that echoed nothing would measure nothing: the setup's first messages must have gone out whole.</summary>
    private static void Check(string what, long sent, long expected)
    {
        if (sent != expected)
        {
            throw new InvalidOperationException($"{what} sent {sent} bytes for its first echo(es), not the {expected} expected.");
        }
    }

    /// <summary>As <c>ws101 serve</c>'s /echo: the message back as it came.</summary>
    private sealed class Echo : WebSocketMessageHandler
    {
        public override ValueTask OnMessageAsync(WebSocketConnection connection, WebSocketMessage message, CancellationToken cancellationToken) =>
            connection.SendAsync(message.Data, message.Kind, message.EndOfMessage, CancellationToken.None);
    }

    /// <summary>The pump's host: no server around it; a failure of the handler is a failure of the benchmark.</summary>
    private sealed class Owner : IMessagePumpOwner
    {
        public CancellationToken Stopping => CancellationToken.None;

        public void HandlerFailed(WebSocketConnection connection, Exception exception) =>
            throw new InvalidOperationException("The echo handler failed.", exception);

        public void PumpEnded(WebSocketConnection connection) =>
            throw new InvalidOperationException("The connection ended during the benchmark.");
    }
}
