using System.Text;
using Ws101.Handshake;
using Ws101.Client;

namespace Ws101;

/// <summary>
/// The opening handshake failed. Carries every <see cref="HandshakeProblem"/> found, and the full request and
/// response as they went over the wire, so that the cause can be read rather than guessed.
/// </summary>
public sealed class WebSocketHandshakeException : Exception
{
    /// <summary>Creates the exception from its problems and the transcript.</summary>
    public WebSocketHandshakeException(IReadOnlyList<HandshakeProblem> problems, string? requestText, string? responseText, Exception? inner = null)
        : base(Format(problems), inner)
    {
        Problems = problems;
        RequestText = requestText;
        ResponseText = responseText;
    }

    /// <summary>The problems, most telling first.</summary>
    public IReadOnlyList<HandshakeProblem> Problems { get; }

    /// <summary>The request sent, when it was sent.</summary>
    public string? RequestText { get; }

    /// <summary>The response received (head, and the start of a body), when any came.</summary>
    public string? ResponseText { get; }

    private static string Format(IReadOnlyList<HandshakeProblem> problems)
    {
        var sb = new StringBuilder("The WebSocket handshake failed: ");
        sb.AppendJoin(" | ", problems.Select(p => p.ToString()));
        return sb.ToString();
    }
}
