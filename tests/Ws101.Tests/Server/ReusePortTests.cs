using System.Net;
using System.Net.Sockets;
using Ws101.Client;
using Ws101.Server;

namespace Ws101.Tests.Server;

/// <summary>
/// <see cref="WebSocketServerOptions.ReusePort"/>: servers that all ask for it share one port and the kernel spreads the
/// connections over them; a server that does not ask for it cannot take a port in use (it could before: .NET's
/// ReuseAddress sets SO_REUSEPORT too on Linux, so a second server on the same port bound silently).
/// </summary>
public class ReusePortTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task two_servers_with_reuse_port_share_one_port_and_both_get_connections()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Only Linux spreads connections over the sockets sharing a port.");
        await using var first = await TestServer.StartEchoAsync(new WebSocketServerOptions { ReusePort = true });
        int port = first.EndPoints[0].Port;
        await using var second = await StartEchoOnAsync(port, reusePort: true);

        // Linux picks the socket by a hash of the connection's addresses: with 64 connections from 64 source ports,
        // the chance that one server gets none is 2 in 2^64.
        var clients = new List<WebSocketConnection>();
        try
        {
            for (int i = 0; i < 64; i++)
            {
                var client = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/echo"), cancellationToken: Cancel);
                clients.Add(client);
                await client.SendTextAsync($"m{i}", Cancel);
                Assert.Equal($"m{i}", (await client.ReceiveAsync(Cancel)).GetText());
            }

            Assert.Equal(64, first.ConnectionCount + second.ConnectionCount);
            Assert.InRange(first.ConnectionCount, 1, 63);
            Assert.InRange(second.ConnectionCount, 1, 63);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task when_one_of_the_servers_stops_the_other_takes_every_new_connection()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "SO_REUSEPORT spreading is Linux's.");
        await using var staying = await TestServer.StartEchoAsync(new WebSocketServerOptions { ReusePort = true });
        int port = staying.EndPoints[0].Port;
        var leaving = await StartEchoOnAsync(port, reusePort: true);
        await leaving.DisposeAsync();

        for (int i = 0; i < 16; i++)
        {
            await using var client = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/echo"), cancellationToken: Cancel);
            await client.SendTextAsync("still here", Cancel);
            Assert.Equal("still here", (await client.ReceiveAsync(Cancel)).GetText());
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public async Task a_port_in_use_is_refused_unless_both_servers_ask_to_share_it(bool firstShares, bool secondShares)
    {
        await using var first = await TestServer.StartEchoAsync(new WebSocketServerOptions { ReusePort = firstShares });

        var error = await Assert.ThrowsAsync<SocketException>(() => StartEchoOnAsync(first.EndPoints[0].Port, secondShares));

        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);
    }

    private static async Task<WebSocketServer> StartEchoOnAsync(int port, bool reusePort)
    {
        var server = new WebSocketServer(new WebSocketServerOptions { EndPoints = [new IPEndPoint(IPAddress.Loopback, port)], ReusePort = reusePort });
        server.Map("/echo", TestServer.Echo);
        try
        {
            await server.StartAsync(Cancel);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }
}
