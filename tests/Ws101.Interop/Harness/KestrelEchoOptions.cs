using System.Net.WebSockets;

namespace Ws101.Interop.Harness;

/// <summary>How a <see cref="KestrelEchoServer"/> behaves on each connection.</summary>
public sealed class KestrelEchoOptions
{
    /// <summary>
    /// Kestrel's HTTP versions on the endpoint; null keeps its default (HTTP/1.1 and HTTP/2 over TLS, HTTP/1.1 without).
    /// <c>Http2</c> without a certificate serves h2c (HTTP/2 with prior knowledge), where the WebSockets are RFC 8441 streams.
    /// </summary>
    public Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols? HttpProtocols { get; init; }

    /// <summary>Serve wss with this certificate instead of ws.</summary>
    public TestCertificate? Certificate { get; init; }

    /// <summary>Echo each message back (default true).</summary>
    public bool Echo { get; init; } = true;

    /// <summary>After this many messages (0: right after the handshake), start the closing handshake with <see cref="CloseStatus"/>; null never.</summary>
    public int? CloseAfterMessages { get; init; }

    /// <summary>The close code the server sends when it closes first (default 1000).</summary>
    public WebSocketCloseStatus CloseStatus { get; init; } = WebSocketCloseStatus.NormalClosure;

    /// <summary>The close reason the server sends when it closes first.</summary>
    public string CloseReason { get; init; } = "";

    /// <summary>Subprotocols the server accepts (the client's first offer in this list wins).</summary>
    public IReadOnlyList<string> Protocols { get; init; } = [];

    /// <summary>Accept permessage-deflate when offered (ASP.NET Core's DangerousEnableCompression).</summary>
    public bool PerMessageDeflate { get; init; }

    /// <summary>The largest message the server accepts; bigger ones are closed with 1009. Default 16 MiB.</summary>
    public int MaxMessageBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Kestrel's keep-alive ping interval; null or zero (the default) sends none.</summary>
    public TimeSpan? KeepAliveInterval { get; init; }

    /// <summary>The longest a connection may stay open; it is aborted after that (default 60 s).</summary>
    public TimeSpan ConnectionLifetime { get; init; } = TimeSpan.FromSeconds(60);
}
