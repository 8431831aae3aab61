namespace Ws101.Handshake;

/// <summary>The server's side of an RFC 8441 handshake: a WebSocket requested with an HTTP/2 extended CONNECT.</summary>
internal static partial class ServerHandshake
{
    /// <summary>
    /// Checks an HTTP/2 request (its head built from pseudo-header fields, see <see cref="ExtendedConnect"/>) against
    /// RFC 8441 §4-5. The HTTP/2 engine has already enforced HTTP/2's own rules (pseudo-header order, no
    /// connection-specific fields); what is checked here is what makes it a WebSocket request.
    /// </summary>
    private static ServerHandshakeResult ValidateExtendedConnect(HttpRequestHead head)
    {
        List<HandshakeProblem>? problems = null;
        var h = head.Headers;
        var protocol = h.Find(ExtendedConnect.ProtocolField);
        if (protocol is null && !string.Equals(head.Method, ExtendedConnect.Method, StringComparison.Ordinal))
        {
            // An ordinary HTTP/2 request (a page load of a WebSocket path): say that once, as for HTTP/1.1.
            return ServerHandshakeResult.Reject([new HandshakeProblem(HandshakeProblemCode.PlainHttpRequest, "request",
                "CONNECT with :protocol websocket (RFC 8441)", $":method {head.Method} without :protocol") { Line = 1 }]);
        }
        // RFC 8441 §5: "The :protocol pseudo-header field MUST be included in the CONNECT request, and it MUST have a value of
        // websocket to initiate a WebSocket connection on an HTTP/2 stream."
        if (!string.Equals(head.Method, ExtendedConnect.Method, StringComparison.Ordinal))
        {
            (problems ??= []).Add(new HandshakeProblem(HandshakeProblemCode.MethodNotGet, ExtendedConnect.MethodField, ExtendedConnect.Method, head.Method)
            {
                Line = h.Find(ExtendedConnect.MethodField)?.Line,
                Explanation = "Over HTTP/2 a WebSocket is opened with an extended CONNECT (RFC 8441 §4): :method CONNECT with :protocol websocket.",
                Fix = "Send :method CONNECT with :protocol websocket, or open the WebSocket over HTTP/1.1 with GET.",
            });
        }
        if (protocol is null || !string.Equals(protocol.Value.Value, ExtendedConnect.WebSocketProtocol, StringComparison.OrdinalIgnoreCase))
        {
            (problems ??= []).Add(new HandshakeProblem(HandshakeProblemCode.UpgradeNotWebSocket, ExtendedConnect.ProtocolField,
                ExtendedConnect.WebSocketProtocol, protocol?.Value ?? "no :protocol (a plain CONNECT)") { Line = protocol?.Line });
        }
        // RFC 8441 §4: "On requests that contain the :protocol pseudo-header field, the :scheme and :path pseudo-header fields of the
        // target URI MUST also be included."
        foreach (var required in (ReadOnlySpan<string>)[ExtendedConnect.SchemeField, ExtendedConnect.PathField])
        {
            if (protocol is not null && !h.Contains(required))
            {
                (problems ??= []).Add(new HandshakeProblem(HandshakeProblemCode.MalformedRequestLine, required, $"{required} with the target URI's {required[1..]}",
                    $"no {required}") { Line = 1, Evidence = "RFC 8441 §4 requires :scheme and :path on a request with :protocol" });
            }
        }
        // RFC 8441 §5: the Host information is conveyed as part of the :authority pseudo-header field.
        string host = h.GetFirst(ExtendedConnect.AuthorityField) ?? h.GetFirst(KnownHeaderNames.Host) ?? "";
        if (host.Length == 0)
        {
            (problems ??= []).Add(new HandshakeProblem(HandshakeProblemCode.MissingHost, ExtendedConnect.AuthorityField, ":authority: name[:port]", "no :authority"));
        }
        // RFC 8441 §5: Connection and Upgrade "MUST NOT be included in the CONNECT request defined here". (The Sec-WebSocket-Key
        // that some clients still send is only "not processed", so it is ignored rather than refused.)
        foreach (var name in (ReadOnlySpan<string>)[KnownHeaderNames.Upgrade, KnownHeaderNames.Connection])
        {
            if (h.Find(name) is { } field)
            {
                (problems ??= []).Add(new HandshakeProblem(HandshakeProblemCode.UpgradeHeadersInHttp2, field.Name, "no Upgrade or Connection field over HTTP/2",
                    $"{field.Name}: {field.Value}") { Line = field.Line });
            }
        }
        CheckVersion(h, ref problems);
        var subprotocols = ReadSubprotocols(h, ref problems);
        var extensions = ReadExtensions(h, ref problems);
        if (problems is not null)
        {
            return ServerHandshakeResult.Reject(problems);
        }
        return ServerHandshakeResult.Accept(new UpgradeRequest(head, host, "", h.GetFirst(KnownHeaderNames.Origin), subprotocols, extensions));
    }
}
