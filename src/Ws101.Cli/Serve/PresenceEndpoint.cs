using System.Text.Json;
using Ws101.Cli.Playground;
using Ws101.PubSub;
using Ws101.Server;

namespace Ws101.Cli.Serve;

/// <summary>
/// <c>GET /presence/NAME</c>: who is subscribed to topic NAME on every node, as JSON
/// <c>{"topic": "NAME", "connections": N, "members": ["id", ...], "nodes": N}</c>; 503 when the store cannot be read.
/// </summary>
internal sealed class PresenceEndpoint(WebSocketTopics topics)
{
    public const string Prefix = "/presence/";

    public static bool Matches(string path) => path.StartsWith(Prefix, StringComparison.Ordinal);

    public async ValueTask<HttpFallbackResponse> HandleAsync(HttpFallbackRequest request, CancellationToken cancellationToken)
    {
        if (request.Head.Method is not ("GET" or "HEAD"))
        {
            return PlaygroundSite.WithCommonHeaders(HttpFallbackResponse.Text(405, $"{request.Head.Method} is not allowed here; allowed: GET, HEAD.\n"),
                "no-store", new KeyValuePair<string, string>("Allow", "GET, HEAD"));
        }
        string name = Uri.UnescapeDataString(request.Head.Path[Prefix.Length..]);
        if (TopicEndpoint.CheckName(name, allowPattern: false) is { } problem)
        {
            return PlaygroundApi.Error(404, problem);
        }
        TopicPresence presence;
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(TimeSpan.FromSeconds(5));
            presence = await topics.GetPresenceAsync(name, limit.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && !cancellationToken.IsCancellationRequested)
        {
            return PlaygroundApi.Error(503, $"The presence store could not be read: {ex.Message}");
        }
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("topic", presence.Topic);
            writer.WriteNumber("connections", presence.Connections);
            writer.WriteStartArray("members");
            foreach (var member in presence.Members)
            {
                writer.WriteStringValue(member);
            }
            writer.WriteEndArray();
            writer.WriteNumber("nodes", presence.Nodes);
            writer.WriteEndObject();
        }
        return PlaygroundSite.WithCommonHeaders(new HttpFallbackResponse(200, "application/json; charset=utf-8", stream.ToArray()), "no-store");
    }
}
