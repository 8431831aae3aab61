using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using Ws101.Client;
using Ws101.Server;
using Ws101.Tests.Server;

namespace Ws101.Tests.PubSub;

/// <summary>
/// Publishing to subscribers that end at that very moment (aborted by the server, or closed by their client): a delivery
/// is queued, written or dropped, never two of these, so each prepared message's bytes go back to the pool exactly once,
/// when the publisher and every delivery have let go of it, and the publisher sees no error.
/// </summary>
public class PublishToClosingSubscriberTests
{
    private const int Rounds = 15;
    private const int Subscribers = 8;

    [Fact]
    public async Task a_publish_racing_its_subscribers_ends_releases_every_message_exactly_once()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
        await using var topics = new WebSocketTopics();
        var joined = Channel.CreateUnbounded<WebSocketConnection>();
        await using var server = new WebSocketServer(new WebSocketServerOptions { EndPoints = [new IPEndPoint(IPAddress.Loopback, 0)] });
        server.Map("/room", async (ws, _) =>
        {
            topics.Subscribe(ws, "room");
            joined.Writer.TryWrite(ws);
            while (!(await ws.ReceiveAsync(CancellationToken.None)).IsClose)
            {
            }
        });
        await server.StartAsync(ct);

        var published = new ConcurrentQueue<PreparedMessage>();
        var failures = new ConcurrentQueue<Exception>();
        for (int round = 0; round < Rounds; round++)
        {
            var clients = new List<WebSocketConnection>();
            var reading = new List<Task>();
            var serverSide = new List<WebSocketConnection>();
            for (int i = 0; i < Subscribers; i++)
            {
                var client = await WebSocketClient.ConnectAsync(server.Url("/room"), cancellationToken: ct);
                clients.Add(client);
                reading.Add(ReadUntilClosedAsync(client, ct));
                serverSide.Add(await joined.Reader.ReadAsync(ct));
            }

            int stop = 0;
            var publisher = Task.Factory.StartNew(() =>
            {
                try
                {
                    // Bounded, so that a round keeps a bounded number of messages to check.
                    for (int n = 0; n < 5000 && Volatile.Read(ref stop) == 0; n++)
                    {
                        var message = PreparedMessage.CreateText(new string('p', Random.Shared.Next(10, 300)));
                        published.Enqueue(message);
                        topics.Publish("room", message);
                        message.Dispose();
                    }
                }
                catch (Exception ex)
                {
                    failures.Enqueue(ex);
                }
            }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

            // Half are dropped by the server, half closed by their client, while the publisher runs.
            for (int i = 0; i < Subscribers; i++)
            {
                if (i % 2 == 0)
                {
                    serverSide[i].Abort();
                }
                else
                {
                    _ = clients[i].CloseAsync(CloseCode.NormalClosure, "", ct);
                }
            }
            await Task.WhenAll(reading).WaitAsync(TimeSpan.FromSeconds(20), ct);
            Volatile.Write(ref stop, 1);
            await publisher.WaitAsync(ct);
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }

        Assert.Empty(failures);
        await Eventually.TrueAsync(() => published.All(m => m.ReferenceCount == 0), TimeSpan.FromSeconds(20),
            () => $"{published.Count(m => m.ReferenceCount > 0)} of {published.Count} messages still referenced");
        Assert.All(published, m => Assert.Equal(0, m.ReferenceCount));
        Assert.Equal(0, topics.GetSubscriberCount("room"));
    }

    private static async Task ReadUntilClosedAsync(WebSocketConnection client, CancellationToken ct)
    {
        try
        {
            while (!(await client.ReceiveAsync(ct)).IsClose)
            {
            }
        }
        catch (WebSocketClosedException)
        {
        }
    }
}
