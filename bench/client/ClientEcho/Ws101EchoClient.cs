namespace Ws101.Bench.Client;

/// <summary>Ws101's client with its defaults (whole messages; the data valid until the next receive), on .NET's sockets or on an event loop.</summary>
internal sealed class Ws101EchoClient : EchoClient
{
    private readonly WebSocketConnection _connection;

    private Ws101EchoClient(WebSocketConnection connection) => _connection = connection;

    public static async Task<EchoClient> ConnectAsync(Uri uri, bool eventLoop, CancellationToken cancellationToken) =>
        new Ws101EchoClient(await WebSocketClient.ConnectAsync(uri, new WebSocketClientOptions { MaxMessageSize = 16 << 20, UseEventLoop = eventLoop }, cancellationToken));

    public override async ValueTask<bool> EchoAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await _connection.SendBinaryAsync(payload, cancellationToken);
        var message = await _connection.ReceiveAsync(cancellationToken);
        return message.Kind == WebSocketMessageKind.Binary && Same(payload.Span, message.Data.Span);
    }

    public override Task CloseAsync(CancellationToken cancellationToken) => _connection.CloseAsync(CloseCode.NormalClosure, "", cancellationToken);

    public override ValueTask DisposeAsync() => _connection.DisposeAsync();
}
