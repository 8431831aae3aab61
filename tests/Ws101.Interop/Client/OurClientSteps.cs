using Ws101.Interop.Harness;

namespace Ws101.Interop.Client;

/// <summary>What the client tests do with our connection, each step bounded.</summary>
internal static class OurClientSteps
{
    /// <summary>A token that ends the test's wait after one harness step (20 s) or when the test is cancelled.</summary>
    public static CancellationToken Step()
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(PeerTimeouts.Step);
        return cts.Token;
    }

    /// <summary>Sends the harness payload of every wire size, as text then binary, and checks each echo byte for byte and whole.</summary>
    public static async Task EchoEveryWireSizeAsync(WebSocketConnection ws)
    {
        foreach (int size in Payload.WireSizes)
        {
            await SendAndExpectEchoAsync(ws, PeerMessageType.Text, size);
            await SendAndExpectEchoAsync(ws, PeerMessageType.Binary, size);
        }
    }

    /// <summary>Sends one harness payload and checks that the same comes back as one whole message.</summary>
    public static async Task SendAndExpectEchoAsync(WebSocketConnection ws, string type, int size)
    {
        byte[] payload = Payload.Bytes(type, size);
        if (type == PeerMessageType.Text)
        {
            await ws.SendTextAsync(Payload.Text(size), Step());
        }
        else
        {
            await ws.SendBinaryAsync(payload, Step());
        }
        await ExpectMessageAsync(ws, type, size);
    }

    /// <summary>Receives one message and checks that it is the whole harness payload of that type and size.</summary>
    public static async Task ExpectMessageAsync(WebSocketConnection ws, string type, int size)
    {
        WebSocketMessage reply = await ws.ReceiveAsync(Step());
        Assert.Equal(type == PeerMessageType.Text ? WebSocketMessageKind.Text : WebSocketMessageKind.Binary, reply.Kind);
        Assert.True(reply.EndOfMessage, $"the {type} message of {size} B came in parts");
        Assert.Equal(size, reply.Data.Length);
        Assert.Equal(Payload.Sha256Hex(Payload.Bytes(type, size)), Payload.Sha256Hex(reply.Data.Span));
    }
}
