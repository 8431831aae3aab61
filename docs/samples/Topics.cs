using Ws101;

namespace Ws101.DocSamples;

internal static class TopicsSample
{
    public static void Use(WebSocketServer server)
    {
var topics = new WebSocketTopics();                   // standalone; one per application
server.Map("/prices", async (ws, ct) =>
{
    topics.Subscribe(ws, "prices.*");                  // ends by itself when ws closes
    await foreach (var m in ws.ReadAllAsync(ct))
        topics.Publish("prices.eur", m.Data.Span, m.Kind, except: ws);   // from a connection
});
topics.Publish("prices.eur", "{\"bid\":1.08}");        // from the server
    }
}
