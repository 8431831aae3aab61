using System.CommandLine;
using System.Globalization;
using System.Text;
using Ws101.Client;
using Ws101.Handshake;
using Ws101.Protocol;

namespace Ws101.Cli.Commands;

/// <summary>
/// <c>ws101 connect URL</c>: an interactive client. Each line typed is sent; each message received is printed
/// with its direction and time. Lines starting with <c>/</c> are commands (<c>/ping</c>, <c>/close</c>, <c>/quit</c>, <c>/help</c>).
/// </summary>
internal static class ConnectCommand
{
    public static Command Create(CliConsole console)
    {
        var args = new ClientArguments();
        var binary = new Option<bool>("--binary", "-b") { Description = "Send each line as a binary message instead of text." };
        var command = new Command("connect", "Open an interactive WebSocket session: lines you type are sent, messages received are printed.");
        args.AddTo(command);
        command.Add(binary);
        command.SetAction((result, ct) => RunAsync(console, args, result.GetValue(binary), result, ct));
        return command;
    }

    private static async Task<int> RunAsync(CliConsole console, ClientArguments args, bool binary, ParseResult result, CancellationToken cancellationToken)
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
        WebSocketConnection ws;
        try
        {
            ws = await WebSocketClient.ConnectAsync(uri, options, cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketHandshakeException ex)
        {
            console.Error.WriteLine($"Could not open {uri}: the handshake failed.");
            console.Error.WriteLine();
            ReportPrinter.PrintProblems(console.Error, ReportPrinter.ClientProblems(ex));
            return ExitCodes.Problems;
        }
        var gate = new Lock();
        void Say(string line)
        {
            lock (gate)
            {
                console.Out.WriteLine(line);
                console.Out.Flush();
            }
        }
        await using (ws.ConfigureAwait(false))
        {
            Say($"Connected to {uri}{(ws.Subprotocol is null ? "" : $" (subprotocol {ws.Subprotocol})")}. Type a line to send it; /help for commands.");
            using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var receiver = ReceiveLoopAsync(ws, Say, done);
            // Console.In's ReadLineAsync blocks in ReadLine and sees the token only before it starts, so the loop runs
            // on its own thread: when the peer closes, the session ends at once, not at the next line typed.
            var sender = Task.Run(() => SendLoopAsync(ws, console.In, binary, Say, done.Token), CancellationToken.None);
            await Task.WhenAny(receiver, sender).ConfigureAwait(false);
            if (ws.State == ConnectionState.Open)
            {
                await ws.CloseAsync(CloseCode.NormalClosure, "", CancellationToken.None).ConfigureAwait(false);
            }
            await receiver.ConfigureAwait(false);
            await done.CancelAsync().ConfigureAwait(false);
            Say($"Closed: {(int?)ws.CloseStatus} {ws.CloseReason}".TrimEnd());
        }
        return ws.CloseStatus is CloseCode.NormalClosure or CloseCode.GoingAway or CloseCode.NoStatusReceived ? ExitCodes.Ok : ExitCodes.Problems;
    }

    private static string Now() => DateTime.Now.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);

    private static async Task ReceiveLoopAsync(WebSocketConnection ws, Action<string> say, CancellationTokenSource done)
    {
        while (true)
        {
            var m = await ws.ReceiveAsync(CancellationToken.None).ConfigureAwait(false);
            if (m.IsClose)
            {
                say($"< {Now()} close {(int?)m.CloseStatus} {m.CloseReason}".TrimEnd());
                await done.CancelAsync().ConfigureAwait(false);
                return;
            }
            string body = m.Kind == WebSocketMessageKind.Text ? m.GetText() : Convert.ToHexString(m.Data.Span[..Math.Min(m.Data.Length, 64)]) + (m.Data.Length > 64 ? "…" : "");
            say($"< {Now()} {m.Kind.ToString().ToLowerInvariant()} {m.Data.Length} B{(m.EndOfMessage ? "" : " (part)")}: {body}");
        }
    }

    private static async Task SendLoopAsync(WebSocketConnection ws, TextReader input, bool binary, Action<string> say, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            string? line;
            try
            {
                line = await input.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (line is null)
            {
                return;
            }
            try
            {
                if (line.StartsWith('/') && !line.StartsWith("//", StringComparison.Ordinal))
                {
                    if (!await CommandAsync(ws, line, say, cancellationToken).ConfigureAwait(false))
                    {
                        return;
                    }
                    continue;
                }
                if (line.StartsWith("//", StringComparison.Ordinal))
                {
                    line = line[1..];
                }
                if (binary)
                {
                    await ws.SendBinaryAsync(Encoding.UTF8.GetBytes(line), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await ws.SendTextAsync(line, cancellationToken).ConfigureAwait(false);
                }
                say($"> {Now()} {(binary ? "binary" : "text")} {Encoding.UTF8.GetByteCount(line)} B: {line}");
            }
            catch (WebSocketClosedException ex)
            {
                say($"! {ex.Message}");
                return;
            }
        }
    }

    private static async Task<bool> CommandAsync(WebSocketConnection ws, string line, Action<string> say, CancellationToken cancellationToken)
    {
        var parts = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        switch (parts[0])
        {
            case "/ping":
                string payload = line.Length > 5 ? line[6..] : "";
                say($"> {Now()} ping {payload}".TrimEnd());
                var rtt = await ws.PingAsync(Encoding.UTF8.GetBytes(payload), cancellationToken).ConfigureAwait(false);
                say($"< {Now()} pong after {rtt.TotalMilliseconds:0.###} ms");
                return true;
            case "/close":
                var code = CloseCode.NormalClosure;
                if (parts.Length > 1 && (!ushort.TryParse(parts[1], out var n) || !CloseCodeRules.IsValidOnTheWire((CloseCode)n)))
                {
                    say($"! '{parts[1]}' is not a close code that may be sent (1000-1003, 1007-1011, 3000-4999)");
                    return true;
                }
                if (parts.Length > 1)
                {
                    code = (CloseCode)ushort.Parse(parts[1], CultureInfo.InvariantCulture);
                }
                string reason = parts.Length > 2 ? parts[2] : "";
                say($"> {Now()} close {(int)code} {reason}".TrimEnd());
                await ws.CloseAsync(code, reason, cancellationToken).ConfigureAwait(false);
                return false;
            case "/quit":
                return false;
            default:
                say("commands: /ping [text], /close [code] [reason], /quit; start a line with // to send a leading /");
                return true;
        }
    }
}
