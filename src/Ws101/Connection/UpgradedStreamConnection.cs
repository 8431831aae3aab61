using System.Net;
using Ws101.Compression;
using Ws101.Protocol;
using Ws101.Transport;

namespace Ws101;

/// <summary>
/// The server's side of a connection whose upgrade another HTTP server performed (Ws101.AspNetCore's <c>MapWs101</c>,
/// through <c>IHttpUpgradeFeature</c>): after the 101 that the server's upgrade sequence wrote, Ws101 speaks the protocol
/// over the upgraded stream with the same limits, keepalive and message API as its own server.
/// </summary>
internal static class UpgradedStreamConnection
{
    /// <summary>
    /// A connection over <paramref name="upgradedStream"/>, with the permessage-deflate agreement (<paramref name="deflate"/>)
    /// the upgrade sequence reached, kept alive by the shared heartbeat.
    /// </summary>
    public static WebSocketConnection Open(Stream upgradedStream, WebSocketHandshakeInfo handshake, WebSocketConnectionOptions? options,
        PerMessageDeflateAgreement? deflate, EndPoint? remote, EndPoint? local)
    {
        ArgumentNullException.ThrowIfNull(upgradedStream);
        options ??= WebSocketConnectionOptions.Default;
        options.Validate();
        var transport = new StreamTransport(upgradedStream, null, remote, local);
        var connection = new WebSocketConnection(transport, WebSocketRole.Server, options, handshake, default, deflate);
        ConnectionHeartbeat.Shared.Register(connection);
        return connection;
    }
}
