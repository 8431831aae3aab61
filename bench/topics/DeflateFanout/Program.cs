// bench/topics/DeflateFanout: a ws101 server on 127.0.0.1:PORT whose /topic/bench fans each message a client sends out
// to every other connection, in one of three ways:
//
//   DeflateFanout PORT once    topics: framed once, deflated once for every permessage-deflate subscriber (server_no_context_takeover)
//   DeflateFanout PORT each    a loop over the subscribers calling SendBinaryAsync: each connection deflates the message itself
//   DeflateFanout PORT loop    the same loop sending uncompressed (MessageCompression.Never): the loop's own cost
//   DeflateFanout PORT plain   topics, permessage-deflate not accepted: what deflate subscribers got before compress once
using System.Collections.Concurrent;
using System.Net;
using Ws101;

int port = int.Parse(args[0]);
string mode = args[1];
var server = new WebSocketServer(new WebSocketServerOptions
{
    EndPoints = [new IPEndPoint(IPAddress.Loopback, port)],
    Compression = mode == "plain" ? null : new PerMessageDeflateOptions { ServerNoContextTakeover = true },
});
var topics = new WebSocketTopics();
var connections = new ConcurrentDictionary<WebSocketConnection, bool>();
server.Map("/topic/bench", async (ws, ct) =>
{
    if (mode is "each" or "loop")
    {
        connections[ws] = true;
    }
    else
    {
        topics.Subscribe(ws, "bench");
    }
    try
    {
        while (true)
        {
            var m = await ws.ReceiveAsync(ct);
            if (m.IsClose)
            {
                return;
            }
            if (mode is not ("each" or "loop"))
            {
                topics.Publish("bench", m.Data.Span, m.Kind, except: ws);
                continue;
            }
            var data = m.Data.ToArray();
            var sends = new List<Task>(connections.Count);
            foreach (var other in connections.Keys)
            {
                if (other != ws)
                {
                    sends.Add(other.SendBinaryAsync(data, mode == "each" ? MessageCompression.Auto : MessageCompression.Never, ct).AsTask());
                }
            }
            try
            {
                await Task.WhenAll(sends);
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                // A subscriber that went away: the others got it.
            }
        }
    }
    finally
    {
        connections.TryRemove(ws, out _);
    }
});
await server.StartAsync();
Console.WriteLine($"ready {mode}");
await Task.Delay(Timeout.Infinite);
