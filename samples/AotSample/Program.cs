// A Native AOT smoke test of the library: a server with an echo route (permessage-deflate on) and a topic route,
// our client with compression and on the event loop, and a topic fanned out to two subscribers. Prints
// "aot-sample: ok" and exits 0, or says what failed and exits 1. Run by tests/Ws101.Interop/Packaging/AotSampleTests.cs after `dotnet publish -p:PublishAot=true`.
using System.Net;
using Ws101;

using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
var ct = timeout.Token;
var compression = new PerMessageDeflateOptions();

await using var topics = new WebSocketTopics();
await using var server = new WebSocketServer(new WebSocketServerOptions { EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)] });
server.Map("/echo", async (ws, stopping) =>
{
    while (true)
    {
        var message = await ws.ReceiveAsync(stopping);
        if (message.IsClose)
        {
            return;
        }
        await ws.SendAsync(message.Data, message.Kind, message.EndOfMessage, stopping);
    }
}, new WebSocketRouteOptions { Compression = compression });
server.Map("/topic/*", async (ws, stopping) =>
{
    topics.Subscribe(ws, ws.Handshake.Path["/topic/".Length..]);
    await foreach (var _ in ws.ReadAllAsync(stopping))
    {
    }
});
await server.StartAsync(ct);
int port = server.EndPoints[0].Port;

try
{
    // Echo, compressed both ways: a repetitive text and a binary message.
    await using (var ws = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/echo"), new WebSocketClientOptions { Compression = compression }, ct))
    {
        Check(ws.IsCompressed, "permessage-deflate was not agreed");
        string text = string.Concat(Enumerable.Repeat("native aot ", 500));
        await ws.SendTextAsync(text, ct);
        Check((await ws.ReceiveAsync(ct)).GetText() == text, "the compressed text did not come back whole");
        byte[] binary = [.. Enumerable.Range(0, 70_000).Select(i => (byte)i)];
        await ws.SendBinaryAsync(binary, ct);
        var echoed = await ws.ReceiveAsync(ct);
        Check(echoed.Data.Span.SequenceEqual(binary), "the binary message did not come back whole");
        await ws.CloseAsync(CloseCode.NormalClosure, "done", ct);
    }

    // The client on the event loop (UseEventLoop: its own non-blocking connect and the loop's transport).
    await using (var ws = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/echo"), new WebSocketClientOptions { UseEventLoop = true }, ct))
    {
        await ws.SendTextAsync("on the loop", ct);
        Check((await ws.ReceiveAsync(ct)).GetText() == "on the loop", "the event-loop client's echo differs");
        await ws.CloseAsync(CloseCode.NormalClosure, "done", ct);
    }

    // Topics: two subscribers each get a message published by the server.
    var first = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/topic/news"), cancellationToken: ct);
    var second = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/topic/news"), cancellationToken: ct);
    await using (first)
    await using (second)
    {
        while (topics.GetSubscriberCount("news") < 2)
        {
            await Task.Delay(10, ct);
        }
        Check(topics.Publish("news", "extra") == 2, "the topic did not reach two subscribers");
        Check((await first.ReceiveAsync(ct)).GetText() == "extra", "the first subscriber missed the topic message");
        Check((await second.ReceiveAsync(ct)).GetText() == "extra", "the second subscriber missed the topic message");
    }

    // A refused upgrade names its problem, as in a JIT build.
    try
    {
        await using var _ = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/nowhere"), cancellationToken: ct);
        Check(false, "an upgrade to an unmapped path was accepted");
    }
    catch (WebSocketHandshakeException ex)
    {
        Check(ex.Problems[0].Id == "not-found", $"the refusal named {ex.Problems[0].Id}, not not-found");
    }
}
catch (SampleFailure failure)
{
    Console.Error.WriteLine($"aot-sample: FAILED: {failure.Message}");
    return 1;
}
Console.WriteLine($"aot-sample: ok (native: {!System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported})");
return 0;

static void Check(bool condition, string failure)
{
    if (!condition)
    {
        throw new SampleFailure(failure);
    }
}

/// <summary>A check of the sample that did not hold.</summary>
internal sealed class SampleFailure(string message) : Exception(message);
