using Ws101.Handshake;
using Ws101.Protocol;
using Ws101.PubSub;
using Ws101.Server;

namespace Ws101.Cli.Serve;

/// <summary>
/// <c>/topic/NAME</c>: the connection subscribes to topic NAME (percent-decoded; <c>/topic/prices.*</c> subscribes to
/// every topic starting with <c>prices.</c>), and each message it sends is published to NAME, reaching every other
/// subscriber on every node. <c>?id=WHO</c> names the connection in the topic's presence (<c>GET /presence/NAME</c>);
/// with <c>--history</c>, <c>?positions=1</c> sends each message as JSON with its position and <c>?since=POSITION</c>
/// resumes after one (docs/topics.md, "History and recovery").
/// </summary>
internal sealed class TopicEndpoint(WebSocketTopics topics, bool history) : WebSocketMessageHandler
{
    public const string Prefix = "/topic/";

    public static string? NameOf(string path) =>
        path.StartsWith(Prefix, StringComparison.Ordinal) ? Uri.UnescapeDataString(path[Prefix.Length..]) : null;

    /// <summary>
    /// Refuses an upgrade whose topic name is empty, too long, or has a '*' anywhere but at its end, or whose query is
    /// wrong: an unknown parameter, a malformed position, positions on a pattern or on a server that keeps no history.
    /// </summary>
    public UpgradeDecision Check(UpgradeRequest request)
    {
        string? name = NameOf(request.Path);
        if (CheckName(name, allowPattern: true) is { } problem)
        {
            return UpgradeDecision.Reject(404, problem);
        }
        var query = TopicQuery.Parse(request.Query, out string? queryProblem);
        if (queryProblem is not null)
        {
            return UpgradeDecision.Reject(400, queryProblem);
        }
        if (query.Positions && !history)
        {
            return UpgradeDecision.Reject(400, "This server keeps no history: positions need ws101 serve --redis HOST:PORT --history COUNT.");
        }
        if (query.Positions && name!.EndsWith('*'))
        {
            return UpgradeDecision.Reject(400, "Positions belong to one topic's history: subscribe to an exact name, not a pattern.");
        }
        return UpgradeDecision.Accept();
    }

    /// <summary>Why <paramref name="name"/> is not a topic name (or pattern), or null.</summary>
    public static string? CheckName(string? name, bool allowPattern)
    {
        if (string.IsNullOrEmpty(name) || System.Text.Encoding.UTF8.GetByteCount(name) > BackplaneEnvelope.MaxTopicBytes)
        {
            return $"Use a topic name of 1 to {BackplaneEnvelope.MaxTopicBytes} bytes of UTF-8.";
        }
        int star = name.IndexOf('*', StringComparison.Ordinal);
        if (star >= 0 && (star != name.Length - 1 || !allowPattern))
        {
            return allowPattern ? $"'{name}': '*' may only end a topic pattern (prices.*)." : $"'{name}': a topic name has no '*'.";
        }
        return null;
    }

    /// <summary>Subscribes (with positions and since, sends <c>{"recovered": ...}</c> and what was missed first); the
    /// topic's name is kept in <see cref="WebSocketConnection.UserState"/>, since the request is let go after this.</summary>
    public override async ValueTask OnOpenAsync(WebSocketConnection connection, CancellationToken cancellationToken)
    {
        string name = NameOf(connection.Handshake.Path)!;
        connection.UserState = name;
        var query = TopicQuery.Parse(connection.Handshake.Query, out _);
        await topics.SubscribeAsync(connection, name, query.ToOptions(), cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask OnMessageAsync(WebSocketConnection connection, WebSocketMessage message, CancellationToken cancellationToken)
    {
        if (message.Kind is not (WebSocketMessageKind.Text or WebSocketMessageKind.Binary) || !message.EndOfMessage)
        {
            return;
        }
        string name = (string)connection.UserState!;
        if (name.EndsWith('*'))
        {
            await connection.CloseAsync(CloseCode.PolicyViolation, "A pattern subscription only receives; publish on /topic/NAME.", CancellationToken.None).ConfigureAwait(false);
            return;
        }
        topics.Publish(name, message.Data.Span, message.Kind, except: connection);
    }
}
