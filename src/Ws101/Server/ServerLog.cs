using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Ws101.Server;

/// <summary>
/// Every line the server logs (WebSocketServer, its connection admission, the upgrade outcome and the HTTP fallback),
/// source-generated so that a call whose level is off returns after one IsEnabled check: no boxing, no formatting.
/// Event ids 1000–1099 are stable; they are listed in docs/observability.md.
/// </summary>
internal static partial class ServerLog
{
    [LoggerMessage(1000, LogLevel.Information, "Listening on {Scheme}://{EndPoint}{Shared}")]
    public static partial void Listening(ILogger logger, string scheme, object? endPoint, string shared);

    [LoggerMessage(1001, LogLevel.Information, "Stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(1010, LogLevel.Information, "Upgraded {Remote} on {Path} over HTTP/{HttpVersion}")]
    public static partial void Upgraded(ILogger logger, object? remote, string path, string httpVersion);

    [LoggerMessage(1011, LogLevel.Information, "Refused the upgrade from {Remote} over HTTP/{HttpVersion} with {Status}: {Problems}")]
    public static partial void UpgradeRefused(ILogger logger, object? remote, string httpVersion, int status, string problems);

    [LoggerMessage(1012, LogLevel.Error, "The upgrade check for {Remote} failed; answering 500")]
    public static partial void UpgradeCheckFailed(ILogger logger, Exception error, object? remote);

    [LoggerMessage(1013, LogLevel.Debug, "{Remote}: declined permessage-deflate offers (RFC 7692 §7.1): {Offers}")]
    public static partial void DeflateOffersDeclined(ILogger logger, object? remote, string offers);

    [LoggerMessage(1014, LogLevel.Information, "Handshake from {Remote} timed out after {Seconds} s; connection dropped")]
    public static partial void HandshakeTimedOut(ILogger logger, object? remote, double seconds);

    [LoggerMessage(1015, LogLevel.Information, "Handshake from {Remote} failed: {Error}")]
    public static partial void HandshakeFailed(ILogger logger, object? remote, string error);

    [LoggerMessage(1016, LogLevel.Debug, "{Remote} closed the connection before its request was complete ({Bytes} bytes)")]
    public static partial void RequestTruncated(ILogger logger, object? remote, int bytes);

    [LoggerMessage(1020, LogLevel.Error, "The handler for {Path} failed; closing {Remote} with 1011")]
    public static partial void HandlerFailed(ILogger logger, Exception error, string path, object? remote);

    [LoggerMessage(1021, LogLevel.Information, "Closed {Remote} on {Path}: {Status} {Reason}")]
    public static partial void Closed(ILogger logger, object? remote, string path, int? status, string? reason);

    [LoggerMessage(1030, LogLevel.Error, "The HTTP fallback failed for {Method} {Target}")]
    public static partial void HttpFallbackFailed(ILogger logger, Exception error, string method, string target);

    [LoggerMessage(1040, LogLevel.Warning, "Could not register {Remote} with the event loop: {Error}")]
    public static partial void EventLoopRegistrationFailed(ILogger logger, object? remote, SocketError error);

    [LoggerMessage(1050, LogLevel.Information,
        "MaxConnections lowered from {Configured} to {Max}: the process may hold {Limit} file descriptors (RLIMIT_NOFILE) and keeps {Reserve} for the runtime ({Open} open now, plus {Headroom}, plus 1/{Divisor} of the limit)")]
    public static partial void MaxConnectionsLowered(ILogger logger, int configured, int max, long limit, long reserve, int open, int headroom, int divisor);

    [LoggerMessage(1051, LogLevel.Warning,
        "Accept failed {Failures} time(s) in the last {Seconds:0.0} s with {Error}{Why}; it backs off, and connections over {Max} get 503 ({Open} open)")]
    public static partial void AcceptFailed(ILogger logger, int failures, double seconds, SocketError error, string why, int max, int open);

    [LoggerMessage(1052, LogLevel.Warning,
        "Refused {Refused} connection(s) with 503 in the last {Seconds:0.0} s: at the connection limit of {Max} ({Open} open)")]
    public static partial void RefusedAtConnectionLimit(ILogger logger, int refused, double seconds, int max, int open);

    [LoggerMessage(1056, LogLevel.Warning,
        "Shed {Shed} handshake(s) still incomplete after at least {MinimumAge} s, in the last {Seconds:0.0} s, to admit new connections at the connection limit of {Max} ({Open} open)")]
    public static partial void ShedAtConnectionLimit(ILogger logger, int shed, double minimumAge, double seconds, int max, int open);

    [LoggerMessage(1053, LogLevel.Warning,
        "Refused {Refused} connection(s) with 503 in the last {Seconds:0.0} s: within {Headroom} descriptors of the process's limit of {Limit} ({Open} open)")]
    public static partial void RefusedNearDescriptorLimit(ILogger logger, int refused, double seconds, int headroom, long? limit, int open);

    [LoggerMessage(1054, LogLevel.Information, "Connections fell from {Peak} to {Connections}: released the surge's memory (RSS {Before} MiB -> {After} MiB, a {PauseMs:0.0} ms pause)")]
    public static partial void SurgeMemoryReleased(ILogger logger, int peak, int connections, long before, long after, double pauseMs);

    [LoggerMessage(1055, LogLevel.Information, "Connections rose from {From} to {Connections} and settled: released their handshakes' garbage (RSS {Before} MiB -> {After} MiB, a {PauseMs:0.0} ms pause)")]
    public static partial void SurgeSettledMemoryReleased(ILogger logger, int from, int connections, long before, long after, double pauseMs);
}
