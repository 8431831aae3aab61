namespace Ws101.Fuzz;

/// <summary>Every fuzz target, in the order <c>fuzz/run.sh all</c> runs them.</summary>
internal static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("http-request", HttpHeadTarget.Request, "HttpRequestHead.Parse under three sets of limits, span and segmented"),
        new("http-response", HttpHeadTarget.Response, "HttpResponseHead.Parse under three sets of limits, span and segmented"),
        new("server-handshake", ServerHandshakeTarget.Run, "ServerHandshake.Validate and Read, the 101 or the rejection it leads to"),
        new("client-handshake", ClientHandshakeTarget.Run, "ClientHandshake.Read of a response to one of four fixed requests"),
        new("diagnose", DiagnoseTarget.Run, "HandshakeDiagnoser.Diagnose of a pasted transcript in each input format, and its JSON"),
        new("har", HarTarget.Run, "HarReader fed whole and in chunks, HarDiagnosis of its entries, and the report's JSON"),
        new("browser-console", BrowserConsoleTarget.Run, "BrowserErrors over pasted console text, and the report's JSON"),
        new("protocol", ProtocolReceiveTarget.Run, "WebSocketConnectionCore.TryReceive in both roles, whole and in chunks, its replies fed to a peer"),
        new("deflate", DeflateReceiveTarget.Run, "the receive path with permessage-deflate on: core, then PerMessageDeflateDecompressor"),
        new("extensions", ExtensionNegotiationTarget.Run, "Sec-WebSocket-Extensions parsing and permessage-deflate negotiation on both sides"),
        new("backplane", BackplaneEnvelopeTarget.Run, "BackplaneEnvelope.TryDecode and its round trip through Encode"),
    ];

    /// <summary>The target called <paramref name="name"/>, or null.</summary>
    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}
