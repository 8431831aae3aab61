using System.Text;
using Ws101.Handshake;

namespace Ws101;

/// <summary>
/// One thing wrong with an opening handshake, with its evidence: the rule, the line or header at
/// fault, what was expected, what came, why it matters and how to fix it. Problems are values; the
/// server turns them into an HTTP answer, the client into a <c>WebSocketHandshakeException</c>, and
/// the tool and the playground print them.
/// </summary>
public sealed record HandshakeProblem
{
    /// <summary>Creates a problem; <see cref="Explanation"/> and <see cref="Fix"/> default to the catalog's text.</summary>
    public HandshakeProblem(HandshakeProblemCode code, string? subject = null, string? expected = null, string? actual = null)
    {
        Code = code;
        Subject = subject;
        Expected = expected;
        Actual = actual;
        var entry = HandshakeProblemCatalog.Get(code);
        Explanation = entry.Explanation;
        Fix = entry.Fix;
    }

    /// <summary>What went wrong.</summary>
    public HandshakeProblemCode Code { get; }

    /// <summary>The stable kebab-case id of <see cref="Code"/>, such as <c>accept-mismatch</c>.</summary>
    public string Id => HandshakeProblemCatalog.Get(Code).Id;

    /// <summary>The header name or line at fault (<c>Sec-WebSocket-Key</c>, <c>status line</c>), when there is one.</summary>
    public string? Subject { get; init; }

    /// <summary>What the rule wants.</summary>
    public string? Expected { get; init; }

    /// <summary>What came, verbatim where possible (control characters made visible).</summary>
    public string? Actual { get; init; }

    /// <summary>The 1-based line of the head where the fault is, when known.</summary>
    public int? Line { get; init; }

    /// <summary>Why it matters, in plain words, specific to this case.</summary>
    public string Explanation { get; init; }

    /// <summary>How to fix it.</summary>
    public string Fix { get; init; }

    /// <summary>
    /// For a diagnosed cause, the short id of the mistake found (for <c>accept-mismatch</c>, say
    /// <c>sha-256</c> or <c>guid-lowercase</c>); null when none was singled out.
    /// </summary>
    public string? Cause { get; init; }

    /// <summary>The facts that support the diagnosis, such as <c>received = base64(SHA-256(key + GUID))</c>.</summary>
    public string? Evidence { get; init; }

    /// <summary>The RFC rule that applies, such as <c>RFC 6455 §4.1</c>.</summary>
    public string Rule => HandshakeProblemCatalog.Get(Code).Rule;

    /// <summary>A one-paragraph rendering for logs and exception messages.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(Id);
        if (Subject is not null)
        {
            sb.Append(" (").Append(Subject).Append(')');
        }
        sb.Append(": ").Append(Explanation);
        if (Expected is not null)
        {
            sb.Append(" Expected: ").Append(Expected).Append('.');
        }
        if (Actual is not null)
        {
            sb.Append(" Received: ").Append(Actual).Append('.');
        }
        if (Evidence is not null)
        {
            sb.Append(" Evidence: ").Append(Evidence).Append('.');
        }
        sb.Append(" Fix: ").Append(Fix);
        return sb.ToString();
    }

    /// <summary>Makes control characters in <paramref name="text"/> visible, so that a stray CR or tab shows up in a report.</summary>
    public static string Visible(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            switch (c)
            {
                case '\r': sb.Append("\\r"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case < ' ' or '\x7f': sb.Append("\\x").Append(((int)c).ToString("x2")); break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }
}
