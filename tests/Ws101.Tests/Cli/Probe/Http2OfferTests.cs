using System.Net;
using System.Net.Sockets;
using Ws101.Cli.Probe;

namespace Ws101.Tests.Cli.Probe;

/// <summary>
/// What the probe says of HTTP/2 when it could not ask: a server that could not be reached has not said "no HTTP/2", so
/// the line says the answer is unknown and why, rather than "not spoken".
/// </summary>
public class Http2OfferTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("wss")]
    [InlineData("ws")]
    public async Task a_port_nothing_listens_on_leaves_http2_unknown_not_refused(string scheme)
    {
        // Bound and never listening: a connection to it is refused, and no other test can take the port meanwhile.
        using var bound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        bound.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var uri = new Uri($"{scheme}://127.0.0.1:{((IPEndPoint)bound.LocalEndPoint!).Port}/");

        Http2Offer offer = await Http2Offer.LookAsync(uri, new WebSocketClientOptions(), Cancel);
        var output = new StringWriter();
        offer.Print(output, uri);

        Assert.False(offer.Asked);
        Assert.False(offer.SpeaksHttp2);
        Assert.StartsWith("HTTP/2: not known: nothing could be asked (the connection failed: ", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("not spoken", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void a_server_that_was_asked_and_closed_is_said_not_to_speak_h2c()
    {
        var output = new StringWriter();

        new Http2Offer(null, null, "it closed the connection without answering the HTTP/2 preface").Print(output, new Uri("ws://127.0.0.1:8080/"));

        Assert.StartsWith("HTTP/2: not spoken as h2c (prior knowledge) on this plain port: it closed the connection without answering the HTTP/2 preface.",
            output.ToString(), StringComparison.Ordinal);
    }
}
