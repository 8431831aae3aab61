using System.Buffers;
using System.Text;
using Ws101.Compression;
using Ws101.Handshake;

namespace Ws101.Server;

/// <summary>
/// The server's upgrade sequence, once for every host: validate the request (RFC 6455 §4.2.1), let the application
/// decide, choose the subprotocol, negotiate permessage-deflate (RFC 7692 §5), and write the 101 (§4.2.2) — or say
/// which rejection to send. An HTTP/2 extended CONNECT (RFC 8441) goes through the same steps; its answer is a 200
/// whose fields (<see cref="ServerUpgradeResult.ResponseHeaders"/>) carry the subprotocol and extensions only. A pure function: no I/O, no clock. <see cref="WebSocketServer"/> sends the bytes it writes;
/// the ASP.NET Core adapter hands <see cref="ServerUpgradeResult.ResponseHeaders"/> to Kestrel, which writes the
/// status line itself. Both then run the connection with what the result agreed, so the two cannot diverge.
/// </summary>
internal static class ServerUpgrade
{
    /// <summary>Runs the sequence over a parsed request head.</summary>
    /// <param name="head">The request head, as parsed.</param>
    /// <param name="route">The endpoint's options: the application's decision, its subprotocols, its connection options.</param>
    /// <param name="defaults">The connection options of a route that sets none (the server's).</param>
    /// <param name="response">Receives the whole 101 response head when accepted; null when the host writes it from
    /// <see cref="ServerUpgradeResult.ResponseHeaders"/>. Nothing is written on a rejection.</param>
    /// <param name="upgradable">False when the host cannot switch this request's protocol (in Kestrel, an HTTP/1.1 request it
    /// will not upgrade, or an HTTP/3 one): a valid request is then refused with 400 before the application is asked. An
    /// HTTP/2 extended CONNECT (RFC 8441) is upgradable: its head, built from the pseudo-header fields, is validated by
    /// RFC 8441's rules and answered with the fields of a 200 instead of a 101.</param>
    /// <param name="reportDeclined">Collect why each permessage-deflate offer was declined (for a debug log).</param>
    /// <param name="routeConnection">The route's connection options already resolved against <paramref name="defaults"/>
    /// (<see cref="WebSocketRouteOptions.ConnectionOptions"/>): a server resolves them once per route, so that its connections
    /// share one options object instead of each holding (and each handshake building) its own.</param>
    public static ServerUpgradeResult Run(HttpRequestHead head, WebSocketRouteOptions route, WebSocketConnectionOptions defaults,
        IBufferWriter<byte>? response, bool upgradable = true, bool reportDeclined = false, WebSocketConnectionOptions? routeConnection = null)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(defaults);
        var verdict = ServerHandshake.Validate(head);
        if (!verdict.IsValid)
        {
            return ServerUpgradeResult.Refused(verdict.Rejection!);
        }
        var request = verdict.Request!;
        if (!upgradable)
        {
            // An HTTP/3 request (RFC 9220 is not served) or one the host cannot take over: nothing to switch.
            return ServerUpgradeResult.Refused(HandshakeRejection.ByApplication(400, "This endpoint upgrades HTTP/1.1 requests and HTTP/2 extended CONNECTs only."));
        }
        UpgradeDecision decision;
        try
        {
            decision = route.OnUpgrade?.Invoke(request) ?? UpgradeDecision.Accept();
        }
        catch (Exception ex)
        {
            return ServerUpgradeResult.Failed(ex, "The server's upgrade check failed.");
        }
        if (!decision.IsAccepted)
        {
            return ServerUpgradeResult.Refused(decision.Rejection!);
        }
        // RFC 6455 §4.2.2 item 5.2: the application's choice, else the first of the route's subprotocols the client offered.
        string? subprotocol = decision.Subprotocol ?? route.ChooseSubprotocol(request.Subprotocols);
        var options = routeConnection ?? route.ConnectionOptions(defaults);
        // RFC 7692 §5: accept the first permessage-deflate offer we can honour, or none; a declined offer never fails the handshake.
        List<string>? declined = reportDeclined && options.Compression is not null ? [] : null;
        var deflate = PerMessageDeflateNegotiation.Accept(request.Extensions, options.Compression, declined);
        IReadOnlyList<WebSocketExtension>? extensions = deflate is null ? null : [deflate.Response];

        List<KeyValuePair<string, string>>? headers = null;
        if (subprotocol is not null || extensions is not null || decision.Headers.Count > 0)
        {
            try
            {
                // Checks what the application chose (an offered subprotocol, well-formed extra headers) before anything is sent.
                headers = ServerHandshake.AcceptResponseHeaders(request, subprotocol, extensions, decision.Headers);
            }
            catch (ArgumentException ex)
            {
                return ServerUpgradeResult.Failed(ex, "The server's application chose a response the handshake cannot send.");
            }
        }
        if (response is not null)
        {
            // Only a host that reads HTTP/1.1 itself passes a writer; an HTTP/2 head only comes from Kestrel, which writes its own 200.
            System.Diagnostics.Debug.Assert(!request.IsHttp2, "An HTTP/2 upgrade is answered by the HTTP/2 engine, never written as a 101.");
            Write(request, headers, response);
        }
        var info = new WebSocketHandshakeInfo(request, subprotocol, decision.Headers, extensions);
        return ServerUpgradeResult.Accepted(request, subprotocol, deflate, decision.Headers, options, info, headers, declined);
    }

    private static void Write(UpgradeRequest request, List<KeyValuePair<string, string>>? headers, IBufferWriter<byte> response)
    {
        if (headers is null)
        {
            // The common case (no subprotocol, no extension, no extra header): the accept value is computed straight into
            // the response, with no string built.
            Span<byte> key = stackalloc byte[WebSocketAccept.KeyLength];
            if (Encoding.ASCII.TryGetBytes(request.Key, key, out int keyLength))
            {
                int written = ServerHandshake.WriteAcceptResponse(key[..keyLength], response.GetSpan(256));
                if (written > 0)
                {
                    response.Advance(written);
                    return;
                }
            }
        }
        headers ??= ServerHandshake.AcceptResponseHeaders(request, null, null, null);
        Encoding.ASCII.GetBytes(ServerHandshake.FormatAcceptResponse(headers), response);
    }
}
