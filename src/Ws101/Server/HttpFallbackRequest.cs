using Ws101.Handshake;

namespace Ws101.Server;

/// <summary>A plain HTTP request that reached the server on a path with no WebSocket endpoint.</summary>
/// <param name="Head">The request head.</param>
/// <param name="Body">The body (at most <see cref="WebSocketServerOptions.MaxHttpBodyBytes"/>).</param>
/// <param name="RemoteEndPoint">The client's address.</param>
internal sealed record HttpFallbackRequest(HttpRequestHead Head, ReadOnlyMemory<byte> Body, System.Net.EndPoint? RemoteEndPoint);
