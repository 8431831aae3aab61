using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Ws101.Handshake;
using Ws101.Transport;

namespace Ws101.Server;

/// <summary>
/// The server's small HTTP side: a plain request (no upgrade) for a path with no WebSocket endpoint goes to the
/// application's <see cref="WebSocketServerOptions.HttpFallback"/> (the playground's page and <c>/api/diagnose</c>),
/// with its body read up to <see cref="WebSocketServerOptions.MaxHttpBodyBytes"/>; the answer is written with
/// <c>Connection: close</c>. Upgrades to unmapped paths, and every request when there is no fallback, get the
/// server's 404 instead.
/// </summary>
internal sealed class HttpFallbackResponder(WebSocketServerOptions options, ILogger logger)
{
    /// <summary>Whether this request is one for the fallback: there is one, and the request does not try to upgrade.</summary>
    public bool Answers(HttpRequestHead head) =>
        options.HttpFallback is not null && !head.Headers.Contains(KnownHeaderNames.Upgrade) && !head.Headers.Contains(KnownHeaderNames.SecWebSocketKey);

    /// <summary>Reads the body, asks the fallback, and writes its answer (413 for a body too large, 500 when the fallback fails).</summary>
    /// <param name="transport">The connection; its sending side is shut down after the answer, and what the client still sends is drained (<see cref="LingeringClose"/>).</param>
    /// <param name="head">The request head.</param>
    /// <param name="received">The bytes received after the head (the start of the body).</param>
    /// <param name="remote">The client's address.</param>
    /// <param name="cancellationToken">Cancels reading and writing.</param>
    public async Task AnswerAsync(DuplexTransport transport, HttpRequestHead head, ReadOnlyMemory<byte> received, EndPoint? remote, CancellationToken cancellationToken)
    {
        var fallback = options.HttpFallback ?? throw new InvalidOperationException("The server has no HTTP fallback.");
        var body = await ReadBodyAsync(transport, head, received, cancellationToken).ConfigureAwait(false);
        HttpFallbackResponse answer;
        if (body is null)
        {
            answer = HttpFallbackResponse.Text(413, $"The body is larger than {options.MaxHttpBodyBytes} bytes.\n");
        }
        else
        {
            try
            {
                answer = await fallback(new HttpFallbackRequest(head, body.Value, remote), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                ServerLog.HttpFallbackFailed(logger, ex, head.Method, head.Target);
                answer = HttpFallbackResponse.Text(500, "Internal server error.\n");
            }
        }
        await WriteHttpAsync(transport, answer, head.Method == "HEAD", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The body, empty without Content-Length, or null when it cannot be taken (chunked, or over the limit).</summary>
    private async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(DuplexTransport transport, HttpRequestHead head, ReadOnlyMemory<byte> received, CancellationToken cancellationToken)
    {
        string? lengthText = head.Headers.GetFirst(KnownHeaderNames.ContentLength);
        if (head.Headers.Contains(KnownHeaderNames.TransferEncoding))
        {
            return null;
        }
        if (lengthText is null)
        {
            return ReadOnlyMemory<byte>.Empty;
        }
        if (!int.TryParse(lengthText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int length) || length > options.MaxHttpBodyBytes)
        {
            return null;
        }
        var body = new byte[length];
        int have = Math.Min(length, received.Length);
        received[..have].CopyTo(body);
        while (have < length)
        {
            int n = await transport.ReceiveAsync(body.AsMemory(have), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException("The connection closed before the request body ended.");
            }
            have += n;
        }
        return body;
    }

    private static async Task WriteHttpAsync(DuplexTransport transport, HttpFallbackResponse answer, bool headOnly, CancellationToken cancellationToken)
    {
        var sb = new StringBuilder();
        sb.Append("HTTP/1.1 ").Append(answer.StatusCode).Append(' ').Append(ReasonPhraseFor(answer.StatusCode)).Append("\r\n");
        sb.Append("Content-Type: ").Append(answer.ContentType).Append("\r\n");
        sb.Append("Content-Length: ").Append(answer.Body.Length).Append("\r\n");
        sb.Append("X-Content-Type-Options: nosniff\r\n");
        foreach (var (name, value) in answer.Headers)
        {
            if (!HttpTokenList.IsToken(name) || value.AsSpan().IndexOfAny('\r', '\n') >= 0)
            {
                throw new InvalidOperationException($"The HTTP fallback returned an invalid header '{name}'.");
            }
            sb.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        sb.Append("Connection: close\r\n\r\n");
        await transport.SendAsync(Encoding.ASCII.GetBytes(sb.ToString()), cancellationToken).ConfigureAwait(false);
        if (!headOnly && answer.Body.Length > 0)
        {
            await transport.SendAsync(answer.Body, cancellationToken).ConfigureAwait(false);
        }
        // A 413 is answered before the body is read, and any client may still be sending: read on until it closes.
        await LingeringClose.ShutdownAndDrainAsync(transport, cancellationToken).ConfigureAwait(false);
    }

    private static string ReasonPhraseFor(int status) => status switch
    {
        200 => "OK",
        204 => "No Content",
        304 => "Not Modified",
        _ => HandshakeRejection.ByApplication(status is >= 400 and <= 599 ? status : 500, "-").ReasonPhrase,
    };
}
