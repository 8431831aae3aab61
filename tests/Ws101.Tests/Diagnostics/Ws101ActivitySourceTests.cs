using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Ws101.Client;
using Ws101.Compression;
using Ws101.Handshake;
using Ws101.Protocol;
using Ws101.Server;
using Ws101.Tests.Server;

namespace Ws101.Tests.Diagnostics;

/// <summary>
/// The Ws101 ActivitySource records one span per upgrade a real server answers: a refused one ends with an error status
/// and its HandshakeProblem code, an accepted one carries the negotiated subprotocol and extensions. The listener is
/// process-wide, so the spans are told apart by this test's own paths.
/// </summary>
public class Ws101ActivitySourceTests
{
    [Fact]
    public async Task a_refused_upgrade_is_an_error_span_with_its_problem_code_and_an_accepted_one_names_what_was_negotiated()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        string refusedPath = $"/traced-refused-{Guid.NewGuid():N}";
        string acceptedPath = $"/traced-accepted-{Guid.NewGuid():N}";
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == Ws101Telemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.GetTagItem("url.path") is string path && (path == refusedPath || path == acceptedPath))
                {
                    spans.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var server = await TestServer.StartEchoAsync();
        var route = new WebSocketRouteOptions
        {
            Subprotocols = ["chat"],
            Connection = new WebSocketConnectionOptions { Compression = new PerMessageDeflateOptions() },
        };
        server.Map(refusedPath, TestServer.Echo);
        server.Map(acceptedPath, TestServer.Echo, route);

        string answer = await RawUpgradeAsync(server, refusedPath, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n", ct);
        Assert.StartsWith("HTTP/1.1 426 ", answer, StringComparison.Ordinal);
        await using (var ws = await WebSocketClient.ConnectAsync(server.Url(acceptedPath), new WebSocketClientOptions
        {
            Handshake = new ClientHandshakeOptions { Subprotocols = ["chat"] },
            Connection = new WebSocketConnectionOptions { Compression = new PerMessageDeflateOptions() },
        }, ct))
        {
            await ws.CloseAsync(CloseCode.NormalClosure, "", ct);
        }

        var refused = Assert.Single(spans, s => (string?)s.GetTagItem("url.path") == refusedPath);
        Assert.Equal(Ws101Telemetry.UpgradeSpanName, refused.DisplayName);
        Assert.Equal(ActivityKind.Server, refused.Kind);
        Assert.Equal(ActivityStatusCode.Error, refused.Status);
        Assert.False(string.IsNullOrEmpty(refused.StatusDescription));
        Assert.Equal("unsupported-version", refused.GetTagItem("error.type"));
        Assert.Equal(["unsupported-version"], (string[])refused.GetTagItem("ws101.handshake.problems")!);
        Assert.Equal(426, refused.GetTagItem("http.response.status_code"));
        Assert.Equal("refused", refused.GetTagItem("ws101.upgrade.outcome"));
        Assert.Equal("GET", refused.GetTagItem("http.request.method"));
        Assert.Equal("1.1", refused.GetTagItem("network.protocol.version"));
        Assert.Equal("127.0.0.1", refused.GetTagItem("client.address"));

        var accepted = Assert.Single(spans, s => (string?)s.GetTagItem("url.path") == acceptedPath);
        Assert.Equal(ActivityStatusCode.Unset, accepted.Status);
        Assert.Null(accepted.GetTagItem("error.type"));
        Assert.Equal(101, accepted.GetTagItem("http.response.status_code"));
        Assert.Equal("accepted", accepted.GetTagItem("ws101.upgrade.outcome"));
        Assert.Equal("chat", accepted.GetTagItem("ws101.websocket.subprotocol"));
        Assert.StartsWith("permessage-deflate", (string?)accepted.GetTagItem("ws101.websocket.extensions"), StringComparison.Ordinal);
    }

    /// <summary>Sends an upgrade to <paramref name="path"/> with <paramref name="headers"/> and reads the answer to the server's close.</summary>
    private static async Task<string> RawUpgradeAsync(WebSocketServer server, string path, string headers, CancellationToken ct)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.EndPoints[0], ct);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n{headers}\r\n"), SocketFlags.None, ct);
        var all = new MemoryStream();
        var buffer = new byte[1024];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
        {
            all.Write(buffer, 0, n);
        }
        return Encoding.ASCII.GetString(all.ToArray());
    }
}
