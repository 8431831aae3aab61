using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Ws101.AspNetCore;
using Ws101.Client;
using Ws101.Protocol;

namespace Ws101.Interop.AspNetCore;

/// <summary>A Ws101 server run by the generic host: configured from configuration, stopped with the host.</summary>
public sealed class HostedServerTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task starts_from_configuration_serves_and_closes_every_connection_with_1001_when_the_host_stops()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ws101:Host"] = "127.0.0.1",
            ["Ws101:Port"] = "0",
            ["Ws101:MaxMessageSize"] = "1000",
        });
        builder.Services.AddWs101Server(builder.Configuration.GetSection("Ws101"), o => o.Map("/echo", AspNetCoreEcho.EchoApp.EchoAsync));
        using var host = builder.Build();
        await host.StartAsync(Cancel);
        var server = host.Services.GetRequiredService<Ws101ServerAccessor>().Server;
        var url = new Uri($"ws://127.0.0.1:{server.EndPoints[0].Port}/echo");

        await using var ws = await WebSocketClient.ConnectAsync(url, cancellationToken: Cancel);
        await ws.SendTextAsync("configured", Cancel);
        Assert.Equal("configured", (await ws.ReceiveAsync(Cancel)).GetText());

        // The limit came from configuration: 2,000 bytes is over it, and the server says so with 1009.
        await using var big = await WebSocketClient.ConnectAsync(url, cancellationToken: Cancel);
        await big.SendBinaryAsync(new byte[2000], Cancel);
        var refused = await big.ReceiveAsync(Cancel);
        Assert.Equal(CloseCode.MessageTooBig, refused.CloseStatus);

        var waiting = ws.ReceiveAsync(Cancel).AsTask();
        await host.StopAsync(Cancel);
        var close = await waiting;
        Assert.True(close.IsClose);
        Assert.Equal(CloseCode.GoingAway, close.CloseStatus);
    }
}
