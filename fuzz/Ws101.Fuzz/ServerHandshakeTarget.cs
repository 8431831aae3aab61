using System.Text;
using Ws101.Compression;
using Ws101.Handshake;

namespace Ws101.Fuzz;

/// <summary>
/// The server's opening handshake: parse a request, validate it (RFC 6455 §4.2.1) and build what the server sends
/// back. Input: one option byte (where to cut the request into two segments for <see cref="ServerHandshake.Read"/>),
/// then the request bytes.
/// </summary>
/// <remarks>
/// No exception is expected. Checked: <see cref="ServerHandshake.Read"/> over two segments agrees with parse then
/// <see cref="ServerHandshake.Validate"/>; a rejection is a well-formed HTTP response whose Content-Length matches its
/// body (problems quote the request, so this guards against header injection); an accepted request has a key the
/// allocation-free 101 writer takes, that writer and <see cref="ServerHandshake.BuildAcceptResponse"/> agree, and the
/// 101 built with the first subprotocol and the negotiated permessage-deflate passes the client's own check.
/// </remarks>
internal static class ServerHandshakeTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        var fuzz = new FuzzInput(input);
        byte options = fuzz.Byte();
        byte[] bytes = fuzz.Rest.ToArray();

        var parsed = HttpRequestHead.Parse(bytes);
        ServerHandshakeResult? verdict = parsed.Status switch
        {
            HttpParseStatus.Complete => ServerHandshake.Validate(parsed.Head!),
            HttpParseStatus.Invalid => null,
            _ => null,
        };

        int cut = bytes.Length == 0 ? 0 : options * bytes.Length / 256;
        var read = ServerHandshake.Read(Chunks.Sequence([bytes.AsMemory(0, cut), bytes.AsMemory(cut)]), null, out int consumed);
        Invariant.Holds(consumed == parsed.BytesConsumed, $"Read consumed {consumed} bytes, Parse {parsed.BytesConsumed}");
        Invariant.Holds((read is null) == (parsed.Status == HttpParseStatus.NeedMoreData), $"Read gave {(read is null ? "null" : "a result")} for {parsed.Status}");
        if (verdict is not null)
        {
            Invariant.Holds(read!.IsValid == verdict.IsValid && Codes(read) == Codes(verdict), $"Read gave [{Codes(read)}], Validate gave [{Codes(verdict)}]");
        }

        var result = verdict ?? read;
        if (result is null)
        {
            return;
        }
        Invariant.Holds(result.IsValid == (result.Problems.Count == 0), "IsValid disagrees with the problems");
        if (!result.IsValid)
        {
            CheckRejection(result.Rejection!);
            return;
        }
        CheckAccept(parsed.Head!, result.Request!);
    }

    private static string Codes(ServerHandshakeResult r) => string.Join(",", r.Problems.Select(p => p.Id));

    private static void CheckRejection(HandshakeRejection rejection)
    {
        foreach (var p in rejection.Problems)
        {
            _ = p.ToString();
        }
        byte[] response = rejection.ToResponseBytes();
        var head = HttpResponseHead.Parse(response);
        Invariant.Holds(head.Status == HttpParseStatus.Complete, $"the rejection is not a valid HTTP response: {head.Problem}");
        Invariant.Holds(head.Head!.StatusCode == rejection.StatusCode, $"the rejection parses as {head.Head.StatusCode}, not {rejection.StatusCode}");
        string? length = head.Head.Headers.GetFirst("Content-Length");
        Invariant.Holds(length == (response.Length - head.BytesConsumed).ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"Content-Length {length}, body {response.Length - head.BytesConsumed} bytes");
        Invariant.Holds(head.Head.Headers.Count == rejection.Headers.Count + 3, "the rejection's head has more lines than it wrote (a header was injected)");
    }

    private static void CheckAccept(HttpRequestHead head, UpgradeRequest request)
    {
        // The server writes the plain 101 from the key's ASCII bytes into a buffer of KeyLength: an accepted key fits it.
        Invariant.Holds(request.Key.Length == WebSocketAccept.KeyLength && Ascii.IsValid(request.Key), $"accepted key '{request.Key}'");
        Span<byte> key = stackalloc byte[WebSocketAccept.KeyLength];
        int keyLength = Encoding.ASCII.GetBytes(request.Key, key);
        Span<byte> plain = stackalloc byte[256];
        int written = ServerHandshake.WriteAcceptResponse(key[..keyLength], plain);
        Invariant.Holds(written > 0, "WriteAcceptResponse wrote nothing for an accepted key");
        Invariant.Holds(Encoding.ASCII.GetString(plain[..written]) == ServerHandshake.BuildAcceptResponse(request),
            "WriteAcceptResponse and BuildAcceptResponse disagree");

        // The response a server with compression on would send, checked the way our client checks it.
        string? subprotocol = request.Subprotocols.Count > 0 ? request.Subprotocols[0] : null;
        var deflate = PerMessageDeflateNegotiation.Accept(request.Extensions, PerMessageDeflateOptions.Default);
        string text = ServerHandshake.BuildAcceptResponse(request, subprotocol, deflate is null ? null : [deflate.Response]);
        var response = HttpResponseHead.Parse(Encoding.Latin1.GetBytes(text));
        Invariant.Holds(response.Status == HttpParseStatus.Complete && response.BytesConsumed == text.Length, $"our 101 does not parse: {response.Problem}");
        var check = ClientHandshake.Validate(HandshakeOffer.FromRequest(head), response.Head!);
        Invariant.Holds(check.IsSuccess, $"our 101 fails the client's check: {string.Join("; ", check.Problems)}");
        Invariant.Holds(check.Subprotocol == subprotocol, $"the client read subprotocol '{check.Subprotocol}', the server chose '{subprotocol}'");
    }
}
