namespace Ws101.Handshake;

/// <summary>
/// HTTP status codes in words: the reason phrases of RFC 9110 §15, and what a status usually means when it answers a
/// WebSocket upgrade. A diagnosis says the status in its own words, since the reason phrase a server sends is free text.
/// </summary>
internal static class HttpStatusText
{
    /// <summary>The RFC 9110 reason phrase of <paramref name="status"/>, or null for a status RFC 9110 does not define.</summary>
    public static string? Phrase(int status) => status switch
    {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        511 => "Network Authentication Required",
        _ => null,
    };

    /// <summary>The reason phrase for a status line this library writes: RFC 9110's, or "Error" for a status it does not name.</summary>
    public static string ReasonPhrase(int status) => Phrase(status) ?? "Error";

    /// <summary>The status as a person says it: "200 OK", or the number alone when RFC 9110 has no phrase for it.</summary>
    public static string Describe(int status) => Phrase(status) is { } phrase ? $"{status} {phrase}" : status.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>What a status other than 101, 2xx, 3xx, 401, 403, 404 and 426 usually means as the answer to an upgrade.</summary>
    public static string WhatItUsuallyMeans(int status) => status switch
    {
        < 200 => "an interim answer, which never completes an upgrade; only 101 does.",
        400 => "the server found the request malformed; its body or its log usually says which header.",
        405 => "the method is not allowed on this path, so the path is most likely not a WebSocket endpoint.",
        407 => "a proxy between wants credentials before it forwards the request.",
        408 => "the server gave up waiting for the whole request.",
        413 or 414 or 431 => "the request, its URL or its headers are larger than the server accepts (large cookies are the usual cause).",
        429 => "the server is limiting how often this client may connect.",
        500 => "the server's application failed while it handled the upgrade; its log has the error.",
        501 => "the server does not implement what the request asked for: it does not speak WebSocket.",
        502 => "a proxy or gateway in front of the server got no valid answer from the backend: the backend is down, or speaks something else on that port.",
        503 => "the server, or a proxy in front of it, is overloaded or down for maintenance.",
        504 => "a proxy or gateway in front of the server waited too long for the backend.",
        505 => "the server refuses the HTTP version of the request; WebSocket needs HTTP/1.1.",
        >= 400 and < 500 => "the server refused the request; its body or its log usually says why.",
        >= 500 and < 600 => "the server failed; its log has the error.",
        _ => "a status outside HTTP's classes, so the peer is probably not an HTTP server.",
    };
}
