using System.Text;
using Ws101.PubSub;

namespace Ws101.Tests.PubSub;

/// <summary>
/// The receiving side's rule for a publisher's sequence numbers, fed the orders a cluster failover produces, without a
/// cluster: what a node counts missed equals what its subscribers lack, and nothing reaches them twice or out of order.
/// </summary>
public class BackplaneSequencesTests
{
    private static readonly Guid Publisher = Guid.Parse("5d2c8e0a-1b3f-4a6d-9e7c-0f1e2d3c4b5a");

    /// <summary>Feeds <paramref name="arrivals"/> to the hub as envelopes from another node; what one subscriber got, and the missed count.</summary>
    private static (long[] Delivered, long Missed) Receive(params ulong[] arrivals)
    {
        var topics = new WebSocketTopics();
        var listener = (IBackplaneListener)topics;
        var sub = new FakeSubscriber();
        topics.Subscribe(sub, "t");
        foreach (ulong n in arrivals)
        {
            listener.OnMessage("t", BackplaneEnvelope.Encode(Publisher, n, "t", WebSocketMessageKind.Text, Encoding.UTF8.GetBytes(n.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }
        var delivered = sub.Received.Select(m => long.Parse(Encoding.UTF8.GetString(m.Payload.Span), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return (delivered, topics.Statistics.BackplaneMissed);
    }

    [Fact]
    public void Numbers_that_jump_count_the_skipped_ones_as_missed()
    {
        var (delivered, missed) = Receive(1, 2, 5, 6, 10);
        Assert.Equal([1, 2, 5, 6, 10], delivered);
        Assert.Equal(5, missed);
    }

    [Fact]
    public void A_message_overtaken_by_later_ones_is_dropped_and_counted_missed_once_so_the_count_equals_what_the_subscriber_lacks()
    {
        // Around a failover, 229 is sent to a node that no longer serves the slot and sent again, after 230 and 231 went
        // straight to the new master.
        var (delivered, missed) = Receive(1, 2, 3, 230, 231, 229, 232, 233);
        Assert.Equal([1, 2, 3, 230, 231, 232, 233], delivered);
        Assert.Equal(233 - delivered.Length, missed);
    }

    [Fact]
    public void A_message_received_twice_reaches_the_subscriber_once_and_counts_nothing()
    {
        // The subscription briefly held twice: the same numbers come through both, interleaved and one run after the other.
        var (delivered, missed) = Receive(1, 2, 2, 3, 4, 3, 4, 5);
        Assert.Equal([1, 2, 3, 4, 5], delivered);
        Assert.Equal(0, missed);
    }

    [Fact]
    public void A_publisher_that_starts_again_at_one_or_far_below_is_a_new_start_that_counts_nothing()
    {
        var (delivered, missed) = Receive(7, 8, 1, 2, 4);
        Assert.Equal([7, 8, 1, 2, 4], delivered);
        Assert.Equal(1, missed);
        ulong far = BackplaneSequences.NewStartDistance + 10;
        var (again, missedAgain) = Receive(far, far + 1, 5, 6);
        Assert.Equal([(long)far, (long)far + 1, 5, 6], again);
        Assert.Equal(0, missedAgain);
    }

    [Fact]
    public async Task Two_queues_handing_in_the_same_subscriptions_numbers_at_once_deliver_each_once_and_count_each_gap_once()
    {
        // The old and the new queue of a subscription moving between connections, both handing messages in on their own
        // threads: each number is judged against the highest delivered, atomically.
        // Mid-run, as when a subscription moves: the first thousand came through one queue.
        var sequences = new BackplaneSequences();
        long delivered = 0, missed = 0;
        for (ulong n = 1; n <= 1000; n++)
        {
            Assert.True(sequences.TryObserve("t", Publisher, "t", n, out long m));
            Assert.Equal(0, m);
            delivered++;
        }
        var start = new Barrier(2);
        void Feed(int queue)
        {
            start.SignalAndWait();
            for (ulong n = 1001; n <= 200_000; n++)
            {
                // The old queue lacks some that the new one has.
                if (queue == 1 && n % 7 == 3)
                {
                    continue;
                }
                if (sequences.TryObserve("t", Publisher, "t", n, out long m))
                {
                    Interlocked.Increment(ref delivered);
                    Interlocked.Add(ref missed, m);
                }
            }
        }
        await Task.WhenAll(Task.Run(() => Feed(0), TestContext.Current.CancellationToken), Task.Run(() => Feed(1), TestContext.Current.CancellationToken));
        // Each number delivered at most once, and each one skipped counted once: together, every number up to the highest.
        Assert.Equal(200_000, delivered + missed);
    }
}
