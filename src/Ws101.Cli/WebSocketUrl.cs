namespace Ws101.Cli;

/// <summary>
/// Reads a URL given on the command line as a WebSocket URL (RFC 6455 §3: ws:// or wss://), with a message that names what
/// is wrong with it: no scheme, not a URL at all (and why, as .NET's parser says), or the http:// or https:// address of
/// the same server; where the URL meant is plain, it is given.
/// </summary>
internal static class WebSocketUrl
{
    /// <summary>The URL as a ws:// or wss:// <see cref="Uri"/>; throws <see cref="ArgumentException"/> with the reason otherwise.</summary>
    public static Uri Parse(string text)
    {
        if (!text.Contains("://", StringComparison.Ordinal) && Uri.TryCreate("ws://" + text, UriKind.Absolute, out var withScheme)
            && (withScheme.Host.Contains('.', StringComparison.Ordinal) || withScheme.IsLoopback || !withScheme.IsDefaultPort))
        {
            // "127.0.0.1:8080/echo" or "localhost:8080": a scheme left out (which .NET would otherwise read as "localhost:"). Only
            // where what is left reads as a host (a dotted name, loopback, or a port given): "ws//x" is a typo, not a host "ws".
            throw new ArgumentException($"'{text}' has no scheme; a WebSocket URL starts with ws:// or wss://, as in {withScheme}.");
        }
        Uri uri;
        try
        {
            uri = new Uri(text, UriKind.Absolute);
        }
        catch (UriFormatException ex)
        {
            // "Invalid URI: Invalid port specified.", say: the reason without its prefix.
            string reason = ex.Message.StartsWith("Invalid URI: ", StringComparison.Ordinal) ? ex.Message["Invalid URI: ".Length..] : ex.Message;
            throw new ArgumentException($"'{text}' is not a ws:// or wss:// URL: {reason.TrimEnd('.')}.", ex);
        }
        if (uri.Scheme is "ws" or "wss")
        {
            return uri;
        }
        if (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        {
            // The same server's WebSocket URL differs only in the scheme (RFC 6455 §3: ws and wss take http's and https's ports).
            var instead = new UriBuilder(uri) { Scheme = uri.Scheme == Uri.UriSchemeHttps ? "wss" : "ws", Port = uri.IsDefaultPort ? -1 : uri.Port };
            throw new ArgumentException($"'{text}' is not a ws:// or wss:// URL; for a WebSocket on that server use {instead.Uri}.");
        }
        throw new ArgumentException($"'{text}' is not a ws:// or wss:// URL.");
    }
}
