namespace Ws101.Interop.Harness;

/// <summary>The values of the <c>event</c> field of a peer's JSON line (docs/testing.md lists their fields).</summary>
public static class PeerEventKind
{
    /// <summary>A server is ready: <c>port</c>, <c>url</c>.</summary>
    public const string Listening = "listening";

    /// <summary>A connection is open: <c>protocol</c>, <c>extensions</c>; on a server also <c>path</c>, <c>headers</c>.</summary>
    public const string Open = "open";

    /// <summary>A whole message arrived: <c>type</c>, <c>length</c>, <c>sha256</c>, and <c>text</c> when short.</summary>
    public const string Message = "message";

    /// <summary>A whole message was sent: <c>type</c>, <c>length</c>, <c>sha256</c>, <c>fragments</c>.</summary>
    public const string Sent = "sent";

    /// <summary>A ping arrived (and the library answered it with a pong): <c>length</c>.</summary>
    public const string Ping = "ping";

    /// <summary>This peer sent a ping: <c>length</c>.</summary>
    public const string SentPing = "sent_ping";

    /// <summary>A pong arrived: <c>length</c>.</summary>
    public const string Pong = "pong";

    /// <summary>The connection closed: <c>code</c> and <c>reason</c> as received from the other side (1005 none, 1006 abnormal).</summary>
    public const string Close = "close";

    /// <summary>Something failed: <c>message</c>, and <c>status</c> when a handshake got an HTTP answer.</summary>
    public const string Error = "error";

    /// <summary>A client finished its script and closed cleanly.</summary>
    public const string Done = "done";

    /// <summary>A server stopped because its stdin closed.</summary>
    public const string Stopped = "stopped";
}
