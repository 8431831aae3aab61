using System.CommandLine;
using System.Globalization;
using Ws101.Cli.Probe;
using Ws101.Client;
using Ws101.Handshake;
using Ws101.Protocol;

namespace Ws101.Cli.Commands;

/// <summary>
/// <c>ws101 probe URL</c>: performs the handshake and prints the full request and response annotated line by line,
/// the diagnosis of any problem, what was negotiated, and a ping's round-trip time. Exits 0 only on success. For wss://,
/// and with <c>--http2</c>, it first says which HTTP versions the server offers (ALPN) and, if HTTP/2, whether its SETTINGS
/// allow WebSockets over HTTP/2; <c>--http2</c> then opens the WebSocket as an RFC 8441 stream.
/// </summary>
internal static class ProbeCommand
{
    /// <summary>How many pings the probe sends after the handshake, one after another.</summary>
    private const int PingCount = 3;

    public static Command Create(CliConsole console)
    {
        var args = new ClientArguments();
        var command = new Command("probe", "Open a WebSocket to URL and show the whole handshake, annotated, with the diagnosis of any problem.");
        args.AddTo(command);
        command.SetAction((result, ct) => RunAsync(console, args, result, ct));
        return command;
    }

    private static async Task<int> RunAsync(CliConsole console, ClientArguments args, ParseResult result, CancellationToken cancellationToken)
    {
        Uri uri;
        WebSocketClientOptions options;
        try
        {
            (uri, options) = args.Read(result);
        }
        catch (ArgumentException ex)
        {
            console.Error.WriteLine($"error: {ex.Message}");
            return ExitCodes.UsageError;
        }
        var output = console.Out;
        bool http2 = options.HttpVersion == WebSocketHttpVersion.Http2;
        output.WriteLine($"Probing {uri}{(http2 ? " over HTTP/2 (RFC 8441)" : "")}");
        output.WriteLine();
        if (http2 || uri.Scheme == "wss")
        {
            (await Http2Offer.LookAsync(uri, options, cancellationToken).ConfigureAwait(false)).Print(output, uri);
        }
        WebSocketConnection connection;
        try
        {
            connection = await WebSocketClient.ConnectAsync(uri, options, cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketHandshakeException ex)
        {
            PrintTranscript(output, ex.RequestText, ex.ResponseText, ex.Problems);
            output.WriteLine("FAILED: the handshake did not complete.");
            output.WriteLine();
            ReportPrinter.PrintProblems(output, ReportPrinter.ClientProblems(ex));
            if (http2 && ex.Problems.Any(p => p.Code is HandshakeProblemCode.ExtendedConnectNotSupported or HandshakeProblemCode.Http2NotNegotiated))
            {
                await TryHttp11Async(output, uri, options, cancellationToken).ConfigureAwait(false);
            }
            return ExitCodes.Problems;
        }
        catch (ArgumentException ex)
        {
            console.Error.WriteLine($"error: {ex.Message}");
            return ExitCodes.UsageError;
        }
        await using (connection.ConfigureAwait(false))
        {
            PrintTranscript(output, connection.Handshake.RequestText, connection.Handshake.ResponseText, []);
            output.WriteLine(connection.Handshake.HttpVersion.Major == 2
                ? "OK: the extended CONNECT was answered with :status 200 (RFC 8441 §5: over HTTP/2 there is no accept value to check)."
                : "OK: the handshake completed; the accept value matches the key.");
            output.WriteLine($"HTTP:        {(connection.Handshake.HttpVersion.Major == 2 ? "2 (an extended CONNECT stream)" : "1.1 (an upgraded connection)")}");
            output.WriteLine($"Subprotocol: {DescribeSubprotocol(connection.Subprotocol, options.Subprotocols)}");
            output.WriteLine($"Extensions:  {(connection.Handshake.Extensions.Count == 0 ? "(none)" : WebSocketExtension.Format(connection.Handshake.Extensions))}");
            using var pingTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            pingTimeout.CancelAfter(options.HandshakeTimeout);
            var closed = new TaskCompletionSource<WebSocketMessage?>(TaskCreationOptions.RunContinuationsAsynchronously);
            var receiving = DrainAsync(connection, closed, pingTimeout.Token);
            var (roundTrips, failure) = await PingAsync(connection, closed, pingTimeout, options.HandshakeTimeout).ConfigureAwait(false);
            output.WriteLine($"Ping:        {DescribePings(roundTrips, failure)}");
            await connection.CloseAsync(CloseCode.NormalClosure, "ws101 probe done", CancellationToken.None).ConfigureAwait(false);
            await receiving.ConfigureAwait(false);
            output.WriteLine($"Close:       {(int?)connection.CloseStatus} {connection.CloseReason}".TrimEnd());
            // RFC 6455 §7.1.7: a connection failed for a protocol error closes with 1002 (1007 for bad UTF-8, 1009 when too big).
            if (connection.CloseStatus is { } status && ProtocolViolations.FromClose((int)status, connection.CloseReason) is { } violation)
            {
                output.WriteLine();
                output.WriteLine(violation.Cause is null
                    ? $"FAILED: the connection failed after the handshake ({(int)status} {status})."
                    : "FAILED: the server broke the protocol after the handshake.");
                output.WriteLine();
                ReportPrinter.PrintProblems(output, [new DiagnosedProblem(HandshakePart.Response, violation)]);
                return ExitCodes.Problems;
            }
        }
        return ExitCodes.Ok;
    }

    /// <summary>
    /// When HTTP/2 is what failed, whether the same URL opens over HTTP/1.1: the answer that tells a user the server (or a
    /// proxy) lacks WebSockets over HTTP/2 rather than WebSockets.
    /// </summary>
    private static async Task TryHttp11Async(TextWriter output, Uri uri, WebSocketClientOptions options, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await WebSocketClient.ConnectAsync(uri, options with { HttpVersion = WebSocketHttpVersion.Http11 }, cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                output.WriteLine("Over HTTP/1.1 the same URL opens a WebSocket (101 Switching Protocols): use HTTP/1.1 here, or enable RFC 8441 where HTTP/2 ends (docs/http2.md).");
                await connection.CloseAsync(CloseCode.NormalClosure, "ws101 probe done", CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (WebSocketHandshakeException ex)
        {
            output.WriteLine($"Over HTTP/1.1 it fails too: {string.Join(", ", ex.Problems.Select(p => p.Id))}.");
        }
        catch (WebSocketClosedException)
        {
            // Opened, then closed by the server before ours: it still answered the upgrade over HTTP/1.1.
            output.WriteLine("Over HTTP/1.1 the same URL opens a WebSocket (101 Switching Protocols).");
        }
    }

    /// <summary>
    /// Pings up to <see cref="PingCount"/> times, one after another, until one fails. The first round trip of a process pays
    /// for its own first send and first read (the runtime compiles that code then: 17-25 ms here against a server that
    /// answers in 0.2-0.7 ms), so the figure reported is the fastest, with every one beside it.
    /// </summary>
    private static async Task<(List<TimeSpan> RoundTrips, string? Failure)> PingAsync(WebSocketConnection connection,
        TaskCompletionSource<WebSocketMessage?> closed, CancellationTokenSource pingTimeout, TimeSpan timeout)
    {
        var roundTrips = new List<TimeSpan>(PingCount);
        while (roundTrips.Count < PingCount)
        {
            var ping = connection.PingAsync("ws101 probe"u8.ToArray(), pingTimeout.Token);
            // A connection that fails while the ping is out never answers it: stop waiting as soon as it closes.
            var first = await Task.WhenAny(ping, closed.Task).ConfigureAwait(false);
            if (first != ping && await closed.Task.ConfigureAwait(false) is not null)
            {
                await pingTimeout.CancelAsync().ConfigureAwait(false);
                await ping.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
                return (roundTrips, "the connection closed first, before the pong");
            }
            try
            {
                roundTrips.Add(await ping.ConfigureAwait(false));
            }
            catch (OperationCanceledException)
            {
                return (roundTrips, $"no pong within {timeout.TotalSeconds:0.#} s");
            }
            catch (WebSocketClosedException ex)
            {
                return (roundTrips, $"the connection closed first ({ex.Message})");
            }
        }
        return (roundTrips, null);
    }

    /// <summary>
    /// The subprotocol line: the one the server chose, or none; with none after an offer, that the server declined it (RFC
    /// 6455 §4.1 lets a server choose none, and the connection stands; a client that needs one closes it then).
    /// </summary>
    internal static string DescribeSubprotocol(string? chosen, IReadOnlyList<string> offered) =>
        chosen ?? (offered.Count == 0
            ? "(none)"
            : $"(none: the server chose none of those offered, {string.Join(", ", offered)}; a client that needs one closes the connection)");

    /// <summary>The ping line: the fastest round trip and each of them, and why the pings stopped when one failed.</summary>
    internal static string DescribePings(IReadOnlyList<TimeSpan> roundTrips, string? failure)
    {
        if (roundTrips.Count == 0)
        {
            return failure ?? "not sent";
        }
        string each = string.Join(", ", roundTrips.Select(static rtt => rtt.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)));
        string fastest = roundTrips.Min().TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture);
        string line = roundTrips.Count == 1
            ? $"pong after {fastest} ms"
            : $"pong after {fastest} ms (the fastest of {roundTrips.Count}: {each} ms; the first includes this process's first send and read)";
        return failure is null ? line : $"{line}; then {failure}";
    }

    /// <summary>Receives until the close, and reports it through <paramref name="closed"/> (null when the wait was cancelled first).</summary>
    private static async Task DrainAsync(WebSocketConnection connection, TaskCompletionSource<WebSocketMessage?> closed, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var message = await connection.ReceiveAsync(cancellationToken).ConfigureAwait(false);
                if (message.IsClose)
                {
                    closed.TrySetResult(message);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            closed.TrySetResult(null);
        }
    }

    private static void PrintTranscript(TextWriter output, string? request, string? response, IReadOnlyList<HandshakeProblem> problems)
    {
        if (request is not null)
        {
            ReportPrinter.PrintHead(output, "request sent", request, []);
        }
        if (response is null)
        {
            output.WriteLine("Response received: none");
            output.WriteLine();
            return;
        }
        int headEnd = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        string head = headEnd >= 0 ? response[..(headEnd + 4)] : response;
        ReportPrinter.PrintHead(output, "response received", head, problems.Where(p => p.Code is not (HandshakeProblemCode.ConnectionFailed or HandshakeProblemCode.TlsFailed)).ToList());
        if (headEnd >= 0 && headEnd + 4 < response.Length)
        {
            output.WriteLine("Body (start):");
            foreach (var line in response[(headEnd + 4)..].Split('\n').Take(8))
            {
                output.WriteLine($"      | {HandshakeProblem.Visible(line.TrimEnd('\r'))}");
            }
            output.WriteLine();
        }
    }
}
