using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Ws101.Interop.Compression;
using Ws101.Interop.Harness;

namespace Ws101.Interop.AspNetCore;

/// <summary>
/// MapWs101 negotiates permessage-deflate (RFC 7692) exactly as <c>ws101 serve --compress</c> does: the ASP.NET Core sample
/// (samples/AspNetCoreEcho, compression on in its route options) against Chromium and Python's websockets, through a relay
/// that reads the 101 and the RSV1 bit off the wire.
/// </summary>
public sealed class MapWs101CompressionTests(ChromiumFixture browser) : IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private WebApplication? _app;
    private int _port;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _app = AspNetCoreEcho.EchoApp.Build(["--urls", "http://127.0.0.1:0"]);
        await _app.StartAsync(Cancel);
        _port = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
    }

    /// <summary>Text and binary, empty, 1 KiB and 1 MiB (the sample's message limit), each echoed before the next.</summary>
    private static PeerScript Script()
    {
        var script = new PeerScript { PerMessageDeflate = true };
        foreach (string type in new[] { PeerMessageType.Text, PeerMessageType.Binary })
        {
            foreach (int size in new[] { 0, 1024, 1024 * 1024 })
            {
                script.Send(type, size).Receive();
            }
        }
        return script.Close(1000, "done");
    }

    [Theory]
    [InlineData("chromium")]
    [InlineData("python-websockets")]
    public async Task the_peer_and_mapws101_agree_on_permessage_deflate_and_compress_both_ways(string name)
    {
        await using var sniffer = new FrameSniffer(_port);
        var url = new Uri($"ws://127.0.0.1:{sniffer.Port}/echo");
        PeerTranscript run = name == "chromium"
            ? await browser.Chromium.RunClientAsync(url, Script(), Cancel)
            : await ScriptedPeers.ByName(name).RunClientAsync(url, Script(), Cancel);

        run.EnsureSucceeded().EnsureEverySentMessageWasEchoed().EnsureSentPayloadsMatchTheHarness();
        Assert.Equal(6, run.Received.Count);
        Assert.Equal([0L, 1024L, 1024L * 1024, 0L, 1024L, 1024L * 1024], run.Received.Select(m => m.Length!.Value));
        // Both offer "permessage-deflate; client_max_window_bits"; the hint needs no answer (we inflate any window).
        Assert.StartsWith("HTTP/1.1 101 ", sniffer.ServerHead, StringComparison.Ordinal);
        Assert.Contains("\r\nSec-WebSocket-Extensions: permessage-deflate\r\n", sniffer.ServerHead, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("permessage-deflate", run.Open!.Extensions);
        // On the wire: the peer compressed what it sent, and so did Ws101 behind Kestrel.
        Assert.True(FrameSniffer.AnyCompressed(sniffer.FromClient), $"{name} sent no RSV1 frame: {Describe(sniffer.FromClient)}");
        Assert.True(FrameSniffer.AnyCompressed(sniffer.FromServer), $"MapWs101 sent no RSV1 frame: {Describe(sniffer.FromServer)}");
        // The empty messages are below the minimum size and go plain (FIN | text, FIN | binary).
        Assert.Contains((byte)0x81, sniffer.FromServer);
        Assert.Contains((byte)0x82, sniffer.FromServer);
    }

    private static string Describe(IEnumerable<byte> firsts) => string.Join(" ", firsts.Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
}
