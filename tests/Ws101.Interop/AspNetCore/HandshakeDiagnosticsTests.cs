using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Ws101.AspNetCore;
using Ws101.Interop.Harness;

namespace Ws101.Interop.AspNetCore;

/// <summary>
/// Issue 15, item 5: <c>UseWs101HandshakeDiagnostics</c> in front of ASP.NET Core's own <c>UseWebSockets</c>, with real
/// clients: Python's <c>websockets</c> sending a version other than 13, a raw socket sending a bad key, and valid upgrades.
/// </summary>
public sealed class HandshakeDiagnosticsTests : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _counted = new();

    public HandshakeDiagnosticsTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == Ws101Telemetry.MeterName && instrument.Name == "ws101.server.handshakes")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        // Only what this middleware counts carries its source tag: Ws101's own servers in other tests count without it.
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? problem = null;
            bool ours = false;
            foreach (var tag in tags)
            {
                problem = tag.Key == "error.type" ? tag.Value as string : problem;
                ours |= tag.Key == "ws101.handshake.source" && Equals(tag.Value, "UseWs101HandshakeDiagnostics");
            }
            if (ours && problem is not null)
            {
                _counted.AddOrUpdate(problem, value, (_, old) => old + value);
            }
        });
        _listener.Start();
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public void Dispose() => _listener.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task python_websockets_sending_version_8_is_logged_with_code_evidence_and_fix_and_counted(bool respond)
    {
        await using var app = await UseWebSocketsEchoApp.StartAsync(new Ws101HandshakeDiagnosticsOptions { RespondToInvalidUpgrades = respond }, Cancel);
        var script = new PeerScript().SendText("hello").Receive();
        // A client still speaking the hybi-08 draft.
        script.ReplaceHeaders["Sec-WebSocket-Version"] = "8";

        PeerTranscript run = await PythonWebsocketsPeer.Instance.RunClientAsync(app.Url, script, Cancel);

        var warning = await app.Log.WaitForAsync(e => e.Level == LogLevel.Warning && e.Message.Contains("unsupported-version", StringComparison.Ordinal),
            "the diagnostics' warning", Cancel);
        Assert.Equal("Ws101.AspNetCore.HandshakeDiagnostics", warning.Category);
        Assert.Contains("Invalid WebSocket upgrade GET /echo", warning.Message, StringComparison.Ordinal);
        Assert.Contains("Received: 8.", warning.Message, StringComparison.Ordinal);
        Assert.Contains("Fix: Send 'Sec-WebSocket-Version: 13'", warning.Message, StringComparison.Ordinal);
        Assert.True(_counted.GetValueOrDefault("unsupported-version") >= 1);
        // Without an answer of its own, the request falls through to the app's 404; with one, the client gets 426.
        Assert.True(run.Errors.Any(e => e.Message?.Contains(respond ? "HTTP 426" : "HTTP 404", StringComparison.Ordinal) == true), run.Describe());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task a_raw_socket_sending_a_bad_key_is_logged_and_optionally_answered_with_400_and_the_reason(bool respond)
    {
        await using var app = await UseWebSocketsEchoApp.StartAsync(new Ws101HandshakeDiagnosticsOptions { RespondToInvalidUpgrades = respond }, Cancel);

        string answer = await RawRequestAsync(app.Url.Port,
            "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ\r\nSec-WebSocket-Version: 13\r\n\r\n");

        var warning = await app.Log.WaitForAsync(e => e.Message.Contains("invalid-key", StringComparison.Ordinal), "the diagnostics' warning", Cancel);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("dGhlIHNhbXBsZSBub25jZQ", warning.Message, StringComparison.Ordinal);
        Assert.Contains("Evidence:", warning.Message, StringComparison.Ordinal);
        Assert.True(_counted.GetValueOrDefault("invalid-key") >= 1);
        if (respond)
        {
            Assert.StartsWith("HTTP/1.1 400 Bad Request", answer, StringComparison.Ordinal);
            Assert.Contains("Sec-WebSocket-Version: 13", answer, StringComparison.Ordinal);
            Assert.Contains("- invalid-key (Sec-WebSocket-Key):", answer, StringComparison.Ordinal);
        }
        else
        {
            Assert.StartsWith("HTTP/1.1 404 Not Found", answer, StringComparison.Ordinal);
            Assert.EndsWith(UseWebSocketsEchoApp.NotAWebSocket, answer, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task a_valid_upgrade_still_reaches_use_websockets_and_echoes_and_nothing_is_logged()
    {
        await using var app = await UseWebSocketsEchoApp.StartAsync(new Ws101HandshakeDiagnosticsOptions { RespondToInvalidUpgrades = true }, Cancel);
        var script = new PeerScript().SendText(200).Receive().SendBinary(70_000).Receive().Close(1000, "done");

        (await PythonWebsocketsPeer.Instance.RunClientAsync(app.Url, script, Cancel)).EnsureSucceeded().EnsureEverySentMessageWasEchoed();
        await using (var ws = await Ws101.WebSocketClient.ConnectAsync(app.Url, cancellationToken: Cancel))
        {
            await ws.SendTextAsync("through the diagnostics", Cancel);
            Assert.Equal("through the diagnostics", (await ws.ReceiveAsync(Cancel)).GetText());
            await ws.CloseAsync(cancellationToken: Cancel);
        }

        Assert.DoesNotContain(app.Log.Entries, e => e.Category == "Ws101.AspNetCore.HandshakeDiagnostics");
        Assert.Empty(_counted);
    }

    [Fact]
    public async Task an_ordinary_request_passes_through_untouched()
    {
        await using var app = await UseWebSocketsEchoApp.StartAsync(new Ws101HandshakeDiagnosticsOptions { RespondToInvalidUpgrades = true }, Cancel);

        string answer = await RawRequestAsync(app.Url.Port, "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 404 Not Found", answer, StringComparison.Ordinal);
        Assert.EndsWith(UseWebSocketsEchoApp.NotAWebSocket, answer, StringComparison.Ordinal);
        Assert.DoesNotContain(app.Log.Entries, e => e.Category == "Ws101.AspNetCore.HandshakeDiagnostics");
        Assert.Empty(_counted);
    }

    /// <summary>Sends one request on a raw socket and reads the answer until the body it announces has come (bounded).</summary>
    private static async Task<string> RawRequestAsync(int port, string request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port, Cancel);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, Cancel);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        timeout.CancelAfter(PeerTimeouts.Step);
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (true)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (n == 0)
            {
                break;
            }
            received.Append(Encoding.UTF8.GetString(buffer, 0, n));
            string text = received.ToString();
            int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            var length = System.Text.RegularExpressions.Regex.Match(text, @"(?im)^Content-Length: (\d+)");
            if (end >= 0 && length.Success && Encoding.UTF8.GetByteCount(text[(end + 4)..]) >= int.Parse(length.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
            {
                break;
            }
        }
        return received.ToString();
    }
}
