namespace Ws101.Bench.Client;

/// <summary>One connection of either client, doing what a closed-loop echo needs: send a message, read its echo whole.</summary>
internal abstract class EchoClient : IAsyncDisposable
{
    public static async Task<EchoClient> ConnectAsync(ClientKind kind, Uri uri, int largestMessage, CancellationToken cancellationToken) => kind switch
    {
        ClientKind.Ws101 => await Ws101EchoClient.ConnectAsync(uri, eventLoop: false, cancellationToken),
        ClientKind.Ws101EventLoop => await Ws101EchoClient.ConnectAsync(uri, eventLoop: true, cancellationToken),
        _ => await DotNetEchoClient.ConnectAsync(uri, largestMessage, cancellationToken),
    };

    /// <summary>Sends <paramref name="payload"/> as one binary message and reads the echo; false when it came back different in length or first and last byte.</summary>
    public abstract ValueTask<bool> EchoAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);

    /// <summary>The closing handshake, started by the client (normal closure), and the connection released.</summary>
    public abstract Task CloseAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    protected static bool Same(ReadOnlySpan<byte> sent, ReadOnlySpan<byte> received) =>
        sent.Length == received.Length && (sent.Length == 0 || (sent[0] == received[0] && sent[^1] == received[^1]));
}
