using System.Net;
using System.Net.Sockets;
using Ws101.Transport;

namespace Ws101.Tests.Transport;

/// <summary>
/// The plain socket transport on real loopback sockets: what it tells the receive loop after a wait for data woke it.
/// </summary>
public class SocketTransportTests
{
    private static async Task<(Socket Server, Socket Client)> PairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        var server = await listener.AcceptAsync();
        return (server, client);
    }

    [Fact]
    public async Task A_wake_is_only_worth_a_read_when_bytes_or_the_peers_close_are_there()
    {
        var ct = TestContext.Current.CancellationToken;
        var (server, client) = await PairAsync();
        await using var transport = new SocketTransport(server);
        using var _ = client;

        // Nothing sent yet: a wait that woke now (an edge for bytes an earlier read already took) must be waited again.
        Assert.False(transport.CanReadNow);

        // Bytes arrive: the wait completes and a read would return them at once.
        await client.SendAsync(new byte[] { 1, 2, 3 }, SocketFlags.None, ct);
        await transport.WaitReadableAsync(ct);
        Assert.True(transport.CanReadNow);
        var buffer = new byte[16];
        Assert.Equal(3, await transport.ReceiveAsync(buffer, ct));

        // Read out: nothing to read again.
        Assert.False(transport.CanReadNow);

        // The peer closes its side: a read would return 0 at once, so the loop must go on to it (not wait forever).
        client.Shutdown(SocketShutdown.Send);
        await transport.WaitReadableAsync(ct);
        Assert.True(transport.CanReadNow);
        Assert.Equal(0, await transport.ReceiveAsync(buffer, ct));

        // Disposed under the loop: the read that follows reports it.
        await transport.DisposeAsync();
        Assert.True(transport.CanReadNow);
    }
}
