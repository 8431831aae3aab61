using Ws101.Server;

namespace Ws101.Cli.Playground;

/// <summary>
/// The plain HTTP side of <c>ws101 serve</c>: the playground page (embedded files, see <see cref="StaticFiles"/>)
/// and its API (<see cref="PlaygroundApi"/>). Every answer closes the connection (the server's fallback does so).
/// </summary>
internal static class PlaygroundSite
{
    /// <summary>
    /// The page's policy: everything from this server only, no inline script or style, no frames, no plugins;
    /// <c>connect-src</c> also allows ws: and wss: so that the live panel can open any URL typed in.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self' ws: wss:; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static ValueTask<HttpFallbackResponse> Handle(HttpFallbackRequest request, CancellationToken cancellationToken)
    {
        string method = request.Head.Method;
        string path = request.Head.Path;
        if (method is not ("GET" or "HEAD" or "POST"))
        {
            return ValueTask.FromResult(NotAllowed(PlaygroundApi.IsApiPath(path) ? "POST" : "GET, HEAD", method));
        }
        if (PlaygroundApi.IsApiPath(path))
        {
            return ValueTask.FromResult(method == "POST" ? PlaygroundApi.Handle(path, request) : NotAllowed("POST", method));
        }
        if (StaticFiles.Find(path) is { } file)
        {
            return ValueTask.FromResult(method == "POST" ? NotAllowed("GET, HEAD", method) : Serve(file));
        }
        return ValueTask.FromResult(WithCommonHeaders(HttpFallbackResponse.Text(404,
            $"Nothing at {path}. The playground is at /; WebSocket endpoints: /echo, /chat.\n"), "no-store"));
    }

    private static HttpFallbackResponse Serve(StaticFile file) =>
        WithCommonHeaders(new HttpFallbackResponse(200, file.ContentType, file.Content), "no-cache");

    private static HttpFallbackResponse NotAllowed(string allow, string method)
    {
        var answer = HttpFallbackResponse.Text(405, $"{method} is not allowed here; allowed: {allow}.\n");
        return WithCommonHeaders(answer, "no-store", new KeyValuePair<string, string>("Allow", allow));
    }

    /// <summary>Adds the caching, content-security and referrer headers every answer carries.</summary>
    internal static HttpFallbackResponse WithCommonHeaders(HttpFallbackResponse answer, string cacheControl, params KeyValuePair<string, string>[] more) =>
        answer with
        {
            Headers =
            [
                new("Cache-Control", cacheControl),
                new("Content-Security-Policy", ContentSecurityPolicy),
                new("Referrer-Policy", "no-referrer"),
                .. more,
            ],
        };
}
