using Ws101.Server;

namespace Ws101.Cli.Playground;

/// <summary>The plain HTTP side of <c>ws101 serve</c>: the playground page and its API.</summary>
internal static class PlaygroundSite
{
    public static ValueTask<HttpFallbackResponse> Handle(HttpFallbackRequest request, CancellationToken cancellationToken)
    {
        return ValueTask.FromResult(HttpFallbackResponse.Text(404, $"Nothing at {request.Head.Path}. WebSocket endpoints: /echo, /chat.\n"));
    }
}
