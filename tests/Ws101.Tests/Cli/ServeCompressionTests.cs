using System.Net;
using Ws101.Cli;
using Ws101.Cli.Commands;
using Ws101.Client;
using Ws101.Compression;
using Ws101.Protocol;

namespace Ws101.Tests.Cli;

public class ServeCompressionTests
{
    private static async Task<(Ws101.WebSocketServer Server, Uri Echo)> StartAsync(bool compress)
    {
        var console = new CliConsole(TextWriter.Null, TextWriter.Null, TextReader.Null);
        var server = ServeCommand.Build(console, new ServeCommand.Settings("127.0.0.1", 0, null, null, null, 1 << 20, [], Quiet: true, Verbose: false, Compress: compress));
        await server.StartAsync(TestContext.Current.CancellationToken);
        return (server, new Uri($"ws://127.0.0.1:{server.EndPoints[0].Port}/echo"));
    }

    private static WebSocketClientOptions Offering => new()
    {
        Connection = new WebSocketConnectionOptions { Compression = new PerMessageDeflateOptions() },
    };

    [Fact]
    public async Task with_compress_serve_agrees_to_permessage_deflate_and_echoes_through_it()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;
        var (server, echo) = await StartAsync(compress: true);
        await using (server)
        {
            await using var ws = await WebSocketClient.ConnectAsync(echo, Offering, ct);
            Assert.NotNull(ws.PerMessageDeflate);
            Assert.Contains(ws.Handshake.Extensions, e => e.Name == "permessage-deflate");
            string text = string.Concat(Enumerable.Repeat("{\"price\":1.08,\"pair\":\"EURUSD\"}", 100));
            await ws.SendTextAsync(text, ct);
            Assert.Equal(text, (await ws.ReceiveAsync(ct)).GetText());
            await ws.CloseAsync(CloseCode.NormalClosure, "", ct);
        }
    }

    [Fact]
    public async Task without_compress_serve_declines_the_offer_and_still_echoes()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;
        var (server, echo) = await StartAsync(compress: false);
        await using (server)
        {
            await using var ws = await WebSocketClient.ConnectAsync(echo, Offering, ct);
            Assert.Null(ws.PerMessageDeflate);
            Assert.Empty(ws.Handshake.Extensions);
            await ws.SendTextAsync("plain", ct);
            Assert.Equal("plain", (await ws.ReceiveAsync(ct)).GetText());
        }
    }
}
