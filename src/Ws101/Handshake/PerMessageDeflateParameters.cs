using System.Globalization;
using Ws101.Handshake;

namespace Ws101.Compression;

/// <summary>
/// The parameters of one permessage-deflate element (RFC 7692 §7.1), in an offer or a response:
/// <c>server_no_context_takeover</c>, <c>client_no_context_takeover</c>, <c>server_max_window_bits</c> and
/// <c>client_max_window_bits</c> (the latter with or without a value).
/// </summary>
internal sealed record PerMessageDeflateParameters
{
    /// <summary>The extension's registered name.</summary>
    public const string ExtensionName = "permessage-deflate";

    /// <summary>The smallest LZ77 window, in bits (RFC 7692 §7.1.2: 8 to 15).</summary>
    public const int MinWindowBits = 8;

    /// <summary>The largest LZ77 window, in bits: 32 KiB, the default when no limit is negotiated.</summary>
    public const int MaxWindowBits = 15;

    /// <summary><c>server_no_context_takeover</c>: the server resets its compression context after every message (§7.1.1.1).</summary>
    public bool ServerNoContextTakeover { get; init; }

    /// <summary><c>client_no_context_takeover</c>: the client resets its compression context after every message (§7.1.1.2).</summary>
    public bool ClientNoContextTakeover { get; init; }

    /// <summary><c>server_max_window_bits=N</c>: the server's LZ77 window is at most 2^N bytes (§7.1.2.1); null when absent.</summary>
    public int? ServerMaxWindowBits { get; init; }

    /// <summary>
    /// <c>client_max_window_bits</c> without a value (offers only): the client supports the parameter, so the
    /// server may limit the client's window in its response (§7.1.2.2).
    /// </summary>
    public bool ClientMaxWindowBitsSupported { get; init; }

    /// <summary><c>client_max_window_bits=N</c>: the client's LZ77 window is at most 2^N bytes (§7.1.2.2); null when absent or without a value.</summary>
    public int? ClientMaxWindowBits { get; init; }

    /// <summary>Renders the parameters as a <c>permessage-deflate</c> extension element.</summary>
    public WebSocketExtension ToExtension()
    {
        var list = new List<ExtensionParameter>(4);
        if (ServerNoContextTakeover)
        {
            list.Add(new ExtensionParameter("server_no_context_takeover", null));
        }
        if (ClientNoContextTakeover)
        {
            list.Add(new ExtensionParameter("client_no_context_takeover", null));
        }
        if (ServerMaxWindowBits is { } s)
        {
            list.Add(new ExtensionParameter("server_max_window_bits", s.ToString(CultureInfo.InvariantCulture)));
        }
        if (ClientMaxWindowBits is { } c)
        {
            list.Add(new ExtensionParameter("client_max_window_bits", c.ToString(CultureInfo.InvariantCulture)));
        }
        else if (ClientMaxWindowBitsSupported)
        {
            list.Add(new ExtensionParameter("client_max_window_bits", null));
        }
        return new WebSocketExtension(ExtensionName, list);
    }

    /// <summary>The element as written in a header.</summary>
    public override string ToString() => ToExtension().ToString();

    /// <summary>
    /// Reads the parameters of a <c>permessage-deflate</c> element. False, with the reason, when the element breaks a
    /// rule of RFC 7692 §7.1 for an offer (<paramref name="isOffer"/>) or for a response: an unknown or repeated
    /// parameter, a value where none is allowed, a missing or invalid window size.
    /// </summary>
    public static bool TryParse(WebSocketExtension element, bool isOffer, out PerMessageDeflateParameters parameters, out string? error)
    {
        ArgumentNullException.ThrowIfNull(element);
        parameters = new PerMessageDeflateParameters();
        error = null;
        if (!string.Equals(element.Name, ExtensionName, StringComparison.OrdinalIgnoreCase))
        {
            error = $"'{element.Name}' is not {ExtensionName}";
            return false;
        }
        bool serverNct = false, clientNct = false, clientBitsSeen = false;
        int? serverBits = null, clientBits = null;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in element.Parameters)
        {
            // RFC 7692 §7.1: decline an offer (fail on a response) that "contains multiple extension parameters with the same name".
            if (!seen.Add(p.Name))
            {
                error = $"the parameter '{p.Name}' appears more than once";
                return false;
            }
            switch (p.Name.ToLowerInvariant())
            {
                case "server_no_context_takeover":
                    // RFC 7692 §7.1.1.1: "This extension parameter has no value."
                    if (p.Value is not null)
                    {
                        error = $"server_no_context_takeover takes no value, but came with '{p.Value}'";
                        return false;
                    }
                    serverNct = true;
                    break;
                case "client_no_context_takeover":
                    // RFC 7692 §7.1.1.2: "This extension parameter has no value."
                    if (p.Value is not null)
                    {
                        error = $"client_no_context_takeover takes no value, but came with '{p.Value}'";
                        return false;
                    }
                    clientNct = true;
                    break;
                case "server_max_window_bits":
                    // RFC 7692 §7.1.2.1: "this parameter has a decimal integer value without leading zeros between 8 to 15, inclusive".
                    if (!TryWindowBits(p.Value, out int sb))
                    {
                        error = $"server_max_window_bits needs a value from 8 to 15 without leading zeros, but came {(p.Value is null ? "without one" : $"with '{p.Value}'")}";
                        return false;
                    }
                    serverBits = sb;
                    break;
                case "client_max_window_bits":
                    clientBitsSeen = true;
                    if (p.Value is null)
                    {
                        // RFC 7692 §7.1.2.2: in an offer the parameter "may have no value"; in a response it must have one.
                        if (!isOffer)
                        {
                            error = "client_max_window_bits in a response needs a value from 8 to 15";
                            return false;
                        }
                        break;
                    }
                    // RFC 7692 §7.1.2.2: the value is "a decimal integer value without leading zeros between 8 to 15, inclusive".
                    if (!TryWindowBits(p.Value, out int cb))
                    {
                        error = $"client_max_window_bits takes a value from 8 to 15 without leading zeros, but came with '{p.Value}'";
                        return false;
                    }
                    clientBits = cb;
                    break;
                default:
                    // RFC 7692 §7.1: decline an offer that "contains an extension parameter not defined for use in an offer"
                    // (and fail on a response with one not defined for use in a response).
                    error = $"the parameter '{p.Name}' is not defined for permessage-deflate";
                    return false;
            }
        }
        parameters = new PerMessageDeflateParameters
        {
            ServerNoContextTakeover = serverNct,
            ClientNoContextTakeover = clientNct,
            ServerMaxWindowBits = serverBits,
            ClientMaxWindowBits = clientBits,
            ClientMaxWindowBitsSupported = clientBitsSeen,
        };
        return true;
    }

    private static bool TryWindowBits(string? value, out int bits)
    {
        bits = 0;
        if (value is null || value.Length is 0 or > 2 || value[0] == '0')
        {
            return false;
        }
        foreach (char c in value)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }
        bits = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
        return bits is >= MinWindowBits and <= MaxWindowBits;
    }
}
