using Ws101.Handshake;
using Ws101.Protocol;
using Ws101.PubSub;
using Ws101.Server;

namespace Ws101.Cli.Serve;

/// <summary>
/// <c>/topic/NAME</c>: the connection subscribes to topic NAME (percent-decoded; <c>/topic/prices.*</c> subscribes to
/// every topic starting with <c>prices.</c>), and each message it sends is published to NAME, reaching every other
/// subscriber on every node.
/// </summary>
internal sealed class TopicEndpoint(WebSocketTopics topics)
{
    public const string Prefix = "/topic/";

    public static string? NameOf(string path) =>
        path.StartsWith(Prefix, StringComparison.Ordinal) ? Uri.UnescapeDataString(path[Prefix.Length..]) : null;

    /// <summary>Refuses an upgrade whose topic name is empty, too long, or has a '*' anywhere but at its end.</summary>
    public static UpgradeDecision Check(UpgradeRequest request)
    {
        string? name = NameOf(request.Path);
        if (string.IsNullOrEmpty(name) || System.Text.Encoding.UTF8.GetByteCount(name) > BackplaneEnvelope.MaxTopicBytes)
        {
            return UpgradeDecision.Reject(404, $"Use /topic/NAME with a topic name of 1 to {BackplaneEnvelope.MaxTopicBytes} bytes of UTF-8.");
        }
        int star = name.IndexOf('*', StringComparison.Ordinal);
        if (star >= 0 && star != name.Length - 1)
        {
            return UpgradeDecision.Reject(404, $"'{name}': '*' may only end a topic pattern (prices.*).");
        }
        return UpgradeDecision.Accept();
    }

    public async Task HandleAsync(WebSocketConnection ws, CancellationToken stopping)
    {
        string name = NameOf(ws.Handshake.Path)!;
        bool pattern = name.EndsWith('*');
        topics.Subscribe(ws, name);
        while (true)
        {
            var message = await ws.ReceiveAsync(stopping).ConfigureAwait(false);
            if (message.IsClose)
            {
                return;
            }
            if (message.Kind is not (WebSocketMessageKind.Text or WebSocketMessageKind.Binary) || !message.EndOfMessage)
            {
                continue;
            }
            if (pattern)
            {
                await ws.CloseAsync(CloseCode.PolicyViolation, "A pattern subscription only receives; publish on /topic/NAME.", CancellationToken.None).ConfigureAwait(false);
                return;
            }
            topics.Publish(name, message.Data.Span, message.Kind, except: ws);
        }
    }
}
