using System.Text;

namespace Ws101.Handshake;

/// <summary>
/// One element of a <c>Sec-WebSocket-Extensions</c> header (RFC 6455 §9.1): an extension name and its
/// parameters, such as <c>permessage-deflate; client_max_window_bits</c>.
/// </summary>
internal sealed class WebSocketExtension
{
    /// <summary>Creates an extension element.</summary>
    /// <exception cref="ArgumentException">The name, a parameter name or a parameter value is not a token.</exception>
    public WebSocketExtension(string name, IReadOnlyList<ExtensionParameter>? parameters = null)
    {
        if (!HttpTokenList.IsToken(name))
        {
            throw new ArgumentException($"An extension name must be a token; '{name}' is not.", nameof(name));
        }
        // RFC 6455 §9.1: extension-param = token [ "=" (token | quoted-string) ], a quoted value being a token once unquoted.
        foreach (var p in parameters ?? [])
        {
            if (!HttpTokenList.IsToken(p.Name) || (p.Value is not null && !HttpTokenList.IsToken(p.Value)))
            {
                throw new ArgumentException($"An extension parameter is a token, optionally '=' and a token; '{HandshakeProblem.Visible(p.ToString())}' is not.", nameof(parameters));
            }
        }
        Name = name;
        Parameters = parameters ?? [];
    }

    /// <summary>The extension's name.</summary>
    public string Name { get; }

    /// <summary>The parameters in order.</summary>
    public IReadOnlyList<ExtensionParameter> Parameters { get; }

    /// <summary>The element as it is written in a header: <c>name; a; b=1</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(Name);
        foreach (var p in Parameters)
        {
            sb.Append("; ").Append(p);
        }
        return sb.ToString();
    }

    /// <summary>Renders a list as one header value, elements separated by <c>, </c>.</summary>
    public static string Format(IEnumerable<WebSocketExtension> extensions) => string.Join(", ", extensions);

    /// <summary>
    /// Parses a header value into its elements, appending to <paramref name="result"/>. Returns false with
    /// a reason when the value does not follow the grammar.
    /// </summary>
    public static bool TryParse(string value, List<WebSocketExtension> result, out string? error)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(result);
        var scanner = new Scanner(value);
        error = null;
        while (true)
        {
            scanner.SkipSpace();
            if (scanner.AtEnd)
            {
                return true;
            }
            // RFC 9110 §5.6.1: empty list elements are allowed and ignored.
            if (scanner.TryTake(','))
            {
                continue;
            }
            string? name = scanner.Token();
            if (name is null)
            {
                error = $"expected an extension name at column {scanner.Position + 1}";
                return false;
            }
            var parameters = new List<ExtensionParameter>();
            scanner.SkipSpace();
            while (scanner.TryTake(';'))
            {
                scanner.SkipSpace();
                string? pname = scanner.Token();
                if (pname is null)
                {
                    error = $"expected a parameter name after ';' at column {scanner.Position + 1}";
                    return false;
                }
                string? pvalue = null;
                scanner.SkipSpace();
                if (scanner.TryTake('='))
                {
                    scanner.SkipSpace();
                    pvalue = scanner.TokenOrQuoted(out error);
                    if (pvalue is null)
                    {
                        error ??= $"expected a value for '{pname}' at column {scanner.Position + 1}";
                        return false;
                    }
                }
                parameters.Add(new ExtensionParameter(pname, pvalue));
                scanner.SkipSpace();
            }
            result.Add(new WebSocketExtension(name, parameters));
            scanner.SkipSpace();
            if (!scanner.AtEnd && !scanner.TryTake(','))
            {
                error = $"expected ',' or ';' at column {scanner.Position + 1}";
                return false;
            }
        }
    }

    private ref struct Scanner(string text)
    {
        private readonly string _text = text;
        public int Position { get; private set; }
        public readonly bool AtEnd => Position >= _text.Length;

        public void SkipSpace()
        {
            while (Position < _text.Length && _text[Position] is ' ' or '\t')
            {
                Position++;
            }
        }

        public bool TryTake(char c)
        {
            if (Position < _text.Length && _text[Position] == c)
            {
                Position++;
                return true;
            }
            return false;
        }

        public string? Token()
        {
            int start = Position;
            while (Position < _text.Length && HttpTokenList.IsTokenChar(_text[Position]))
            {
                Position++;
            }
            return Position > start ? _text[start..Position] : null;
        }

        public string? TokenOrQuoted(out string? error)
        {
            error = null;
            if (!TryTake('"'))
            {
                return Token();
            }
            var sb = new StringBuilder();
            while (Position < _text.Length)
            {
                char c = _text[Position++];
                if (c == '"')
                {
                    // RFC 6455 §9.1: a quoted value, once unescaped, must itself be a token.
                    if (!HttpTokenList.IsToken(sb.ToString()))
                    {
                        error = $"the quoted value \"{sb}\" is not a token once unquoted";
                        return null;
                    }
                    return sb.ToString();
                }
                if (c == '\\')
                {
                    if (Position >= _text.Length)
                    {
                        break;
                    }
                    c = _text[Position++];
                }
                sb.Append(c);
            }
            error = "a quoted value is not closed";
            return null;
        }
    }
}
