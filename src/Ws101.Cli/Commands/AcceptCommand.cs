using System.CommandLine;
using Ws101.Handshake;

namespace Ws101.Cli.Commands;

/// <summary><c>ws101 accept KEY [--steps]</c>: the Sec-WebSocket-Accept value for a key, optionally step by step.</summary>
internal static class AcceptCommand
{
    public static Command Create(CliConsole console)
    {
        var key = new Argument<string>("key") { Description = "The Sec-WebSocket-Key, as sent (quote it if it has spaces)." };
        var steps = new Option<bool>("--steps", "-s") { Description = "Show each step: the concatenated text, the SHA-1 digest in hex, the base64." };
        var command = new Command("accept", "Compute the Sec-WebSocket-Accept value for a Sec-WebSocket-Key (RFC 6455 §4.2.2).")
        {
            key,
            steps,
        };
        command.SetAction(result => Run(console, result.GetValue(key)!, result.GetValue(steps)));
        return command;
    }

    private static int Run(CliConsole console, string key, bool showSteps)
    {
        if (key.Length > WebSocketAccept.MaxKeyLength || !System.Text.Ascii.IsValid(key))
        {
            console.Error.WriteLine($"error: a Sec-WebSocket-Key is ASCII text of at most {WebSocketAccept.MaxKeyLength} characters; this one is not.");
            return ExitCodes.UsageError;
        }
        var s = AcceptSteps.For(key);
        if (showSteps)
        {
            console.Out.WriteLine($"key            {HandshakeProblem.Visible(s.Key)}");
            console.Out.WriteLine($"1. key + GUID  {HandshakeProblem.Visible(s.Concatenated)}");
            console.Out.WriteLine($"2. SHA-1 (hex) {s.Sha1Hex}");
            console.Out.WriteLine($"3. base64      {s.Accept}");
        }
        else
        {
            console.Out.WriteLine(s.Accept);
        }
        if (WebSocketKeyRules.Check(key) is { } why)
        {
            console.Error.WriteLine($"warning: this is not a valid Sec-WebSocket-Key ({why}); a server rejects it with 400 invalid-key.");
        }
        return ExitCodes.Ok;
    }
}
