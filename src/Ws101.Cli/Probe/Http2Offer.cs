using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Ws101.Client;
using Ws101.Handshake;

namespace Ws101.Cli.Probe;

/// <summary>
/// What a server offers of HTTP/2, looked at on a connection of its own before <c>ws101 probe</c>'s handshake: over TLS,
/// the protocol its ALPN chose when offered h2 and http/1.1 (RFC 7301, RFC 9113 §3.2); then, if HTTP/2, the SETTINGS its
/// connection preface carries (RFC 9113 §3.4), which say whether it accepts WebSockets over HTTP/2 (RFC 8441 §3). On a
/// plain port it sends the h2c preface with prior knowledge (RFC 9113 §3.3) and reads what comes back.
/// </summary>
/// <param name="Alpn">The protocol TLS's ALPN chose ("" for none); null on a plain port or before TLS completed.</param>
/// <param name="Settings">The server's SETTINGS, when it spoke HTTP/2.</param>
/// <param name="NoHttp2Reason">Why there is no HTTP/2 here, or why it could not be told.</param>
/// <param name="Asked">False when the look failed before the server was asked (no connection, no TLS): then whether it
/// speaks HTTP/2 is unknown, not "no".</param>
internal sealed record Http2Offer(string? Alpn, IReadOnlyList<KeyValuePair<ushort, uint>>? Settings, string? NoHttp2Reason, bool Asked = true)
{
    /// <summary>True when the server speaks HTTP/2 here (its preface arrived).</summary>
    public bool SpeaksHttp2 => Settings is not null;

    /// <summary>Looks, bounded by the options' connect timeout; a failure to connect is reported as no HTTP/2 with the reason.</summary>
    public static async Task<Http2Offer> LookAsync(Uri uri, WebSocketClientOptions options, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        string? alpn = null;
        // Set once the server has been offered HTTP/2 (the ALPN list, or the h2c preface): a failure before that says
        // nothing about HTTP/2.
        bool asked = false;
        try
        {
            await socket.ConnectAsync(uri.IdnHost, uri.Port, timeout.Token).ConfigureAwait(false);
            Stream stream = new NetworkStream(socket, ownsSocket: false);
            await using (stream.ConfigureAwait(false))
            {
                if (uri.Scheme == "wss")
                {
                    var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                    stream = ssl;
                    await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                    {
                        TargetHost = uri.IdnHost,
                        ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
                        RemoteCertificateValidationCallback = options.CertificateValidation ?? WebSocketClient.TrustCallback(options.TrustedCertificate),
                    }, timeout.Token).ConfigureAwait(false);
                    asked = true;
                    alpn = ssl.NegotiatedApplicationProtocol.Protocol.IsEmpty ? "" : ssl.NegotiatedApplicationProtocol.ToString();
                    if (alpn != "h2")
                    {
                        // RFC 9113 §3.2: over TLS, HTTP/2 is only spoken after ALPN chose "h2".
                        return new Http2Offer(alpn, null, alpn.Length == 0 ? "its ALPN chose no protocol" : $"its ALPN chose {alpn}");
                    }
                }
                asked = true;
                await stream.WriteAsync(Http2SettingsFrame.ClientPreface.ToArray(), timeout.Token).ConfigureAwait(false);
                await stream.FlushAsync(timeout.Token).ConfigureAwait(false);
                var header = new byte[Http2SettingsFrame.HeaderLength];
                int read = await ReadAtMostAsync(stream, header, timeout.Token).ConfigureAwait(false);
                if (!Http2SettingsFrame.TryReadHeader(header.AsSpan(0, read), out int length, out string? error))
                {
                    return new Http2Offer(alpn, null, Explain(header.AsSpan(0, read), error!));
                }
                var payload = new byte[length];
                if (await ReadAtMostAsync(stream, payload, timeout.Token).ConfigureAwait(false) < length)
                {
                    return new Http2Offer(alpn, null, "its SETTINGS frame was cut short");
                }
                return new Http2Offer(alpn, Http2SettingsFrame.ReadPayload(payload), null);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Http2Offer(alpn, null, $"no answer within {options.ConnectTimeout.TotalSeconds:0.#} s", asked);
        }
        catch (Exception ex) when (ex is SocketException or IOException or System.Security.Authentication.AuthenticationException)
        {
            return new Http2Offer(alpn, null, $"the connection failed: {ex.Message}", asked);
        }
    }

    private static async Task<int> ReadAtMostAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        int filled = 0;
        while (filled < buffer.Length)
        {
            int n = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }
            filled += n;
        }
        return filled;
    }

    /// <summary>What came back instead of a SETTINGS frame: an HTTP/1.1 answer to the preface says so in plain text.</summary>
    private static string Explain(ReadOnlySpan<byte> received, string error)
    {
        if (received.StartsWith("HTTP/1."u8))
        {
            return $"it answered the HTTP/2 preface in HTTP/1.1 (\"{HandshakeProblem.Visible(Encoding.ASCII.GetString(received))}...\")";
        }
        return received.Length == 0 ? "it closed the connection without answering the HTTP/2 preface" : error;
    }

    /// <summary>Prints what was seen, in the probe's layout.</summary>
    public void Print(TextWriter output, Uri uri)
    {
        if (Alpn is not null)
        {
            output.WriteLine($"HTTP versions: offered h2 and http/1.1 in TLS ALPN; the server chose {(Alpn.Length == 0 ? "none (no ALPN)" : Alpn)}.");
        }
        if (!Asked)
        {
            output.WriteLine($"HTTP/2: not known: nothing could be asked ({NoHttp2Reason}).");
            output.WriteLine();
            return;
        }
        if (Settings is null)
        {
            string how = uri.Scheme == "wss" ? "over TLS" : "as h2c (prior knowledge) on this plain port";
            output.WriteLine($"HTTP/2: not spoken {how}: {NoHttp2Reason}.");
            output.WriteLine();
            return;
        }
        output.WriteLine("HTTP/2 SETTINGS received (the server's connection preface):");
        foreach (var (id, value) in Settings)
        {
            output.WriteLine($"      | {Http2SettingsFrame.Name(id)} = {value}");
        }
        if (Settings.Count == 0)
        {
            output.WriteLine("      | (empty: every setting at its default)");
        }
        output.WriteLine(Http2SettingsFrame.AllowsExtendedConnect(Settings)
            ? "WebSockets over HTTP/2: offered (SETTINGS_ENABLE_CONNECT_PROTOCOL = 1, RFC 8441 §3)."
            : "WebSockets over HTTP/2: not offered (SETTINGS_ENABLE_CONNECT_PROTOCOL not sent as 1): this server, or a proxy in front of it, takes WebSockets over HTTP/1.1 only.");
        output.WriteLine();
    }
}
