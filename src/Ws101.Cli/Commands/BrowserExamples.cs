using System.Text;
using Ws101.Handshake;

namespace Ws101.Cli.Commands;

/// <summary>
/// What a person debugging in a browser holds, for the troubleshooting reference: a console line for each code a browser
/// can point to, and a small HAR. The reference shows <c>ws101 diagnose</c>'s real output for them, generated, and tests
/// require each console line's code, so none can go stale. The Chromium words are those Chromium 156 printed for the
/// broken test servers (tests/Ws101.Interop/Cli/BrowserConsoleErrorTests.cs).
/// </summary>
internal static class BrowserExamples
{
    private const string Url = "wss://chat.example/socket";

    private static string Chromium(string message) => $"WebSocket connection to '{Url}' failed: {message}";

    /// <summary>The console line Chromium prints for a failure with this code, or null when a browser never shows it.</summary>
    public static string? ConsoleLine(HandshakeProblemCode code) => code switch
    {
        HandshakeProblemCode.SuccessNotUpgrade => Chromium("Error during WebSocket handshake: Unexpected response code: 200"),
        HandshakeProblemCode.Redirect => Chromium("Error during WebSocket handshake: Unexpected response code: 301"),
        HandshakeProblemCode.Unauthorized => Chromium("Error during WebSocket handshake: Unexpected response code: 401"),
        HandshakeProblemCode.Forbidden => Chromium("Error during WebSocket handshake: Unexpected response code: 403"),
        HandshakeProblemCode.NotFound => Chromium("Error during WebSocket handshake: Unexpected response code: 404"),
        HandshakeProblemCode.UpgradeRequired => Chromium("Error during WebSocket handshake: Unexpected response code: 426"),
        HandshakeProblemCode.UnexpectedStatus => Chromium("Error during WebSocket handshake: Unexpected response code: 502"),
        HandshakeProblemCode.AcceptMismatch => Chromium("Error during WebSocket handshake: Incorrect 'Sec-WebSocket-Accept' header value"),
        HandshakeProblemCode.MissingAccept => Chromium("Error during WebSocket handshake: 'Sec-WebSocket-Accept' header is missing"),
        HandshakeProblemCode.MissingUpgrade => Chromium("Error during WebSocket handshake: 'Upgrade' header is missing"),
        HandshakeProblemCode.MalformedStatusLine => Chromium("Error during WebSocket handshake: net::ERR_INVALID_HTTP_RESPONSE"),
        HandshakeProblemCode.TruncatedHead => Chromium("Error during WebSocket handshake: net::ERR_CONNECTION_CLOSED"),
        HandshakeProblemCode.ConnectionFailed => Chromium("Error in connection establishment: net::ERR_CONNECTION_REFUSED"),
        HandshakeProblemCode.HandshakeTimeout => Chromium("WebSocket is closed before the connection is established."),
        HandshakeProblemCode.ProtocolViolation => Chromium("A server must not mask any frames that it sends to the client."),
        _ => null,
    };

    /// <summary>The console line of the narrative example: a page that opened its WebSocket on a path where a web page answers.</summary>
    public static string NarrativeConsoleLine => ConsoleLine(HandshakeProblemCode.SuccessNotUpgrade)!;

    /// <summary>Firefox's line for every failure, which names no cause.</summary>
    public const string FirefoxLine = "Firefox can’t establish a connection to the server at wss://chat.example/socket.";

    /// <summary>A small HAR as DevTools saves it: a page, a WebSocket that worked, and one refused with 403 (its cookie is made up).</summary>
    public const string Har = """
        {"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"pages":[],"entries":[
         {"startedDateTime":"2024-12-05T09:00:00.000Z","request":{"method":"GET","url":"https://chat.example/","httpVersion":"HTTP/1.1","headers":[{"name":"Host","value":"chat.example"}]},
          "response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","headers":[{"name":"Content-Type","value":"text/html"}],"content":{"size":42,"mimeType":"text/html","text":"<!DOCTYPE html><script src=app.js></script>"}},"_resourceType":"document"},
         {"startedDateTime":"2024-12-05T09:00:00.120Z","request":{"method":"GET","url":"wss://chat.example/socket","httpVersion":"HTTP/1.1","headers":[
           {"name":"Host","value":"chat.example"},{"name":"Connection","value":"Upgrade"},{"name":"Upgrade","value":"websocket"},{"name":"Origin","value":"https://chat.example"},
           {"name":"Sec-WebSocket-Version","value":"13"},{"name":"Sec-WebSocket-Key","value":"dGhlIHNhbXBsZSBub25jZQ=="},{"name":"Cookie","value":"session=made-up-example-value"}]},
          "response":{"status":101,"statusText":"Switching Protocols","httpVersion":"HTTP/1.1","headers":[{"name":"Upgrade","value":"websocket"},{"name":"Connection","value":"Upgrade"},
           {"name":"Sec-WebSocket-Accept","value":"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}],"content":{"size":0,"mimeType":"x-unknown"}},
          "_resourceType":"websocket","_webSocketMessages":[{"type":"send","time":1733389200.2,"opcode":1,"data":"{\"join\":\"lobby\"}"},
           {"type":"receive","time":1733389200.25,"opcode":1,"data":"{\"ok\":true,\"members\":3}"},{"type":"receive","time":1733389260.5,"opcode":1,"data":"{\"members\":4}"}]},
         {"startedDateTime":"2024-12-05T09:00:05.000Z","request":{"method":"GET","url":"wss://chat.example/admin","httpVersion":"HTTP/1.1","headers":[
           {"name":"Host","value":"chat.example"},{"name":"Connection","value":"Upgrade"},{"name":"Upgrade","value":"websocket"},{"name":"Origin","value":"https://chat.example"},
           {"name":"Sec-WebSocket-Version","value":"13"},{"name":"Sec-WebSocket-Key","value":"x3JJHMbDL1EzLkh9GBhXDw=="},{"name":"Cookie","value":"session=made-up-example-value"}]},
          "response":{"status":0,"statusText":"","httpVersion":"","headers":[],"content":{"size":0,"mimeType":"x-unknown"},"_error":null},
          "_resourceType":"websocket","_webSocketMessages":[{"type":"error","time":1733389205.01,"opcode":-1,"data":"Error during WebSocket handshake: Unexpected response code: 403"}]}
        ]}}
        """;

    /// <summary><c>ws101 diagnose</c>'s output for a console line, as the command prints it.</summary>
    public static string DiagnoseConsole(string line)
    {
        var output = new StringWriter();
        ReportPrinter.PrintConsole(BrowserConsoleReport.Read(line) ?? throw new InvalidOperationException($"not a browser error: {line}"), output);
        return output.ToString();
    }

    /// <summary><c>ws101 diagnose</c>'s output for <see cref="Har"/>, as the command prints it for a file named capture.har.</summary>
    public static string DiagnoseHar()
    {
        var diagnosis = new HarDiagnosis();
        var reader = new HarReader(diagnosis.Add);
        reader.Feed(Encoding.UTF8.GetBytes(Har), isFinal: true);
        var output = new StringWriter();
        ReportPrinter.PrintHar(diagnosis.Finish(reader), "capture.har", output);
        return output.ToString();
    }
}
