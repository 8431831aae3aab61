namespace Ws101.Server;

/// <summary>The answer to an <see cref="HttpFallbackRequest"/>. The connection is closed after it.</summary>
/// <param name="StatusCode">The status.</param>
/// <param name="ContentType">The body's media type.</param>
/// <param name="Body">The body.</param>
internal sealed record HttpFallbackResponse(int StatusCode, string ContentType, ReadOnlyMemory<byte> Body)
{
    /// <summary>More headers (Cache-Control, Allow).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>A plain-text response.</summary>
    public static HttpFallbackResponse Text(int statusCode, string text) =>
        new(statusCode, "text/plain; charset=utf-8", System.Text.Encoding.UTF8.GetBytes(text));
}
