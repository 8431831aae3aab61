using Ws101.Interop.Harness;

namespace Ws101.Interop.SelfTests;

/// <summary>
/// The NetLog reader, on a log in Chromium's own layout (the constants on the first line, then one event per line):
/// events are named through the constants, a request is followed to the HTTP/2 stream that carried it, and a log cut
/// short by a browser that did not exit cleanly is still read up to its last whole event.
/// </summary>
public sealed class ChromiumNetLogTests
{
    private const string Head =
        """{"constants":{"logEventTypes":{"REQUEST_ALIVE":1,"HTTP2_SESSION_INITIALIZED":2,"HTTP2_SESSION_RECV_SETTING":3,"HTTP2_SESSION_SEND_HEADERS":4,"HTTP2_SESSION_RECV_HEADERS":5,"HTTP2_SESSION_SEND_DATA":6,"HTTP2_SESSION_RECV_DATA":7,"HTTP_STREAM_REQUEST_BOUND_TO_JOB":8},"logSourceType":{"URL_REQUEST":1,"HTTP2_SESSION":11,"HTTP_STREAM_JOB":17},"logEventPhase":{"PHASE_BEGIN":1,"PHASE_END":2,"PHASE_NONE":0}},""" + "\n\"events\": [\n";

    private static readonly string[] Lines =
    [
        """{"params":{"protocol":"h2"},"phase":0,"source":{"id":90,"type":11},"time":"1","type":2}""",
        """{"params":{"id":"8 (SETTINGS_ENABLE_CONNECT_PROTOCOL)","value":1},"phase":0,"source":{"id":90,"type":11},"time":"2","type":3}""",
        // An ordinary request: the session names the stream job the request was bound to.
        """{"params":{"url":"https://127.0.0.1:4443/"},"phase":1,"source":{"id":62,"type":1},"time":"3","type":1}""",
        """{"params":{"source_dependency":{"id":65,"type":17}},"phase":0,"source":{"id":62,"type":1},"time":"3","type":8}""",
        """{"params":{"fin":true,"headers":[":method: GET",":path: /"],"source_dependency":{"id":65,"type":17},"stream_id":1},"phase":0,"source":{"id":90,"type":11},"time":"3","type":4}""",
        // A WebSocket: the session names the URL request itself.
        """{"params":{"url":"wss://127.0.0.1:4443/echo"},"phase":1,"source":{"id":98,"type":1},"time":"3","type":1}""",
        """{"params":{"fin":false,"headers":[":method: CONNECT",":path: /echo",":protocol: websocket"],"source_dependency":{"id":98,"type":1},"stream_id":5},"phase":0,"source":{"id":90,"type":11},"time":"4","type":4}""",
        """{"params":{"fin":false,"headers":[":status: 200"],"stream_id":5},"phase":0,"source":{"id":90,"type":11},"time":"5","type":5}""",
        """{"params":{"fin":false,"size":11,"stream_id":5},"phase":0,"source":{"id":90,"type":11},"time":"6","type":6}""",
        """{"params":{"fin":false,"size":7,"stream_id":5},"phase":0,"source":{"id":90,"type":11},"time":"7","type":7}""",
    ];

    private static readonly Uri WebSocketUrl = new("wss://127.0.0.1:4443/echo");

    [Fact]
    public void a_whole_log_names_its_events_and_follows_a_request_to_its_http2_stream()
    {
        string text = Head + string.Join(",\n", Lines) + "],\n\"polledData\": {}\n}\n";

        ChromiumNetLog log = ChromiumNetLog.Parse(text);

        Assert.False(log.Truncated);
        Assert.Equal(Lines.Length, log.Events.Count);
        Assert.Equal(("HTTP2_SESSION", "HTTP2_SESSION_INITIALIZED", "PHASE_NONE"), (log.Events[0].SourceType, log.Events[0].Type, log.Events[0].Phase));
        ChromiumHttp2Request request = Assert.IsType<ChromiumHttp2Request>(log.FindHttp2Request(WebSocketUrl));
        Assert.Equal((90L, "h2", 5L, 11L, 7L), (request.SessionId, request.SessionProtocol, request.StreamId, request.DataBytesSent, request.DataBytesReceived));
        Assert.Equal(("CONNECT", "websocket", "200"), (request.RequestHeader(":method"), request.RequestHeader(":protocol"), request.ResponseHeader(":status")));
        Assert.Equal(1, log.ReceivedSettings(90)["SETTINGS_ENABLE_CONNECT_PROTOCOL"]);
        ChromiumHttp2Request page = Assert.IsType<ChromiumHttp2Request>(log.FindHttp2Request(new Uri("https://127.0.0.1:4443/")));
        Assert.Equal((90L, 1L, "GET"), (page.SessionId, page.StreamId, page.RequestHeader(":method")));
        Assert.Empty(page.ResponseHeaders);
        Assert.Null(log.FindHttp2Request(new Uri("wss://127.0.0.1:4443/other")));
    }

    [Fact]
    public void a_log_cut_short_mid_event_keeps_every_whole_event_and_says_it_was_truncated()
    {
        string whole = Head + string.Join(",\n", Lines) + ",\n";
        string text = whole[..(whole.Length - 40)];

        ChromiumNetLog log = ChromiumNetLog.Parse(text);

        Assert.True(log.Truncated);
        Assert.Equal(Lines.Length - 1, log.Events.Count);
        ChromiumHttp2Request request = Assert.IsType<ChromiumHttp2Request>(log.FindHttp2Request(WebSocketUrl));
        Assert.Equal(("200", 0L), (request.ResponseHeader(":status"), request.DataBytesReceived));
    }

    [Fact]
    public void text_that_is_not_a_netlog_is_refused_with_a_clear_error()
    {
        var error = Assert.Throws<FormatException>(() => ChromiumNetLog.Parse("<html>not a log</html>"));

        Assert.Contains("not a Chromium NetLog", error.Message, StringComparison.Ordinal);
    }
}
