using System.Net.WebSockets;

namespace Ws101.Bench.Client;

/// <summary>
/// .NET's ClientWebSocket as its documentation shows it used: a buffer of the application's, receives until the end of
/// the message. The buffer is sized for the largest message of the measurement, so a message is read in as few calls as the
/// client itself needs.
/// </summary>
internal sealed class DotNetEchoClient : EchoClient
{
    private readonly ClientWebSocket _socket;
    private readonly byte[] _buffer;

    private DotNetEchoClient(ClientWebSocket socket, int largestMessage)
    {
        _socket = socket;
        _buffer = new byte[Math.Max(largestMessage, 4096)];
    }

    public static async Task<EchoClient> ConnectAsync(Uri uri, int largestMessage, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        try
        {
            await socket.ConnectAsync(uri, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new DotNetEchoClient(socket, largestMessage);
    }

    public override async ValueTask<bool> EchoAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await _socket.SendAsync(payload, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);
        int filled = 0;
        while (true)
        {
            var result = await _socket.ReceiveAsync(_buffer.AsMemory(filled), cancellationToken);
            filled += result.Count;
            if (result.MessageType != WebSocketMessageType.Binary)
            {
                return false;
            }
            if (result.EndOfMessage)
            {
                return Same(payload.Span, _buffer.AsSpan(0, filled));
            }
        }
    }

    public override Task CloseAsync(CancellationToken cancellationToken) =>
        _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", cancellationToken);

    public override ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
