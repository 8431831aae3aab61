using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Ws101.PubSub;

namespace Ws101.Tests.PubSub;

/// <summary>
/// The seam of a topic's feed on one node, taken one interleaving at a time: the history reads are held by the test, so
/// a live message can be made to arrive exactly while the start position, the node's first fill or a subscriber's
/// resume read is in progress (with Redis these orders happen only by chance; see HistoryTests for the real processes).
/// </summary>
public class TopicFeedTests
{
    /// <summary>A topic's history in memory whose reads the test can hold, standing in for the Redis stream.</summary>
    private sealed class HeldHistory : ITopicHistoryStore
    {
        private readonly List<HistoryEntry> _entries = [];
        private long _next = 1;
        private long _trimmedThrough;

        public TopicFeed? Feed { get; set; }

        /// <summary>Reads after these positions wait until the test lets them go.</summary>
        public Dictionary<string, TaskCompletionSource> Held { get; } = [];

        /// <summary>The next read after each of these positions fails (as a read does while Redis is away) once let go.</summary>
        public HashSet<string> Failing { get; } = [];

        /// <summary>The position reads (for the feed's starting point) wait for this, when set.</summary>
        public TaskCompletionSource? HeldStart { get; set; }

        public List<string> ReadsAfter { get; } = [];

        /// <summary>Appends a message and hands it to the feed as the subscription would, with its position.</summary>
        public string Publish(string text) => Publish(text, live: true);

        /// <summary>Appends a message; <paramref name="live"/> false: the node's subscription missed it (its link was down).</summary>
        public string Publish(string text, bool live)
        {
            string position;
            lock (_entries)
            {
                position = $"{_next++}-0";
                _entries.Add(new HistoryEntry(position, WebSocketMessageKind.Text, Encoding.UTF8.GetBytes(text)));
            }
            // Before any positioned subscriber on this node there is no feed: the message goes to the history only.
            if (live)
            {
                Feed?.PostLive(position, WebSocketMessageKind.Text, Encoding.UTF8.GetBytes(text));
            }
            return position;
        }

        /// <summary>Drops every entry but the newest <paramref name="keep"/>, as MAXLEN does.</summary>
        public void Trim(int keep)
        {
            lock (_entries)
            {
                while (_entries.Count > keep)
                {
                    Assert.True(TopicPosition.TryParse(_entries[0].Position, out var gone));
                    _trimmedThrough = (long)gone.High;
                    _entries.RemoveAt(0);
                }
            }
        }

        public bool TryAppend(string topic, byte[] envelope, TopicHistory history) => throw new NotSupportedException();

        // The store answers as of the moment it was asked; a held read is an answer still on its way (what is published
        // meanwhile is not in it, as with a Redis reply in flight).
        public async Task<HistoryRead> ReadAfterAsync(string topic, string after, int max, TopicHistory history, CancellationToken cancellationToken = default)
        {
            Task held;
            HistoryRead answer;
            bool fails;
            lock (_entries)
            {
                ReadsAfter.Add(after);
                held = Held.TryGetValue(after, out var gate) ? gate.Task : Task.CompletedTask;
                fails = Failing.Remove(after);
                answer = !TopicPosition.TryParse(after, out var at) || (long)at.High <= _trimmedThrough
                    ? new HistoryRead(false, [])
                    : new HistoryRead(true, _entries.Where(e => TopicPosition.TryParse(e.Position, out var p) && p > at).Take(max).ToList());
            }
            await held.WaitAsync(cancellationToken);
            return fails ? throw new IOException("the history store is away") : answer;
        }

        public async Task<string> GetLastPositionAsync(string topic, CancellationToken cancellationToken = default)
        {
            if (HeldStart is { } gate)
            {
                await gate.Task.WaitAsync(cancellationToken);
            }
            lock (_entries)
            {
                return _entries.Count > 0 ? _entries[^1].Position : _next == 1 ? "0-0" : $"{_next - 1}-0";
            }
        }

        public Task WhenSubscribedAsync(string topic, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }

    /// <summary>Keeps the text of every frame queued to it, in order.</summary>
    private sealed class Received : ITopicSubscriber
    {
        private readonly List<string> _texts = [];

        public string[] Texts
        {
            get
            {
                lock (_texts)
                {
                    return [.. _texts];
                }
            }
        }

        public string? ClosedToResume { get; private set; }

        public EnqueueResult TryEnqueue(PreparedMessage message, long maxQueuedBytes)
        {
            lock (_texts)
            {
                _texts.Add(Encoding.UTF8.GetString(message.Payload.Span));
            }
            return EnqueueResult.Queued;
        }

        public void CloseTooSlow(string reason) => throw new InvalidOperationException(reason);

        public void CloseToResume(string reason) => ClosedToResume = reason;

        public bool HasEnded => false;

        public void OnEnded(Action<ITopicSubscriber> callback)
        {
        }
    }

    public enum Moment
    {
        /// <summary>While the node asks for the position its feed starts from.</summary>
        StartPosition,
        /// <summary>While the node's first read from that position (its fill) is held.</summary>
        NodeFill,
        /// <summary>While the subscriber's resume read is held.</summary>
        ResumeRead,
        /// <summary>While both reads are held; the resume read is let go first, then the fill.</summary>
        ResumeReadThenFill,
        /// <summary>While both reads are held; the fill is let go first, then the resume read.</summary>
        FillThenResumeRead,
    }

    [Theory]
    [InlineData(Moment.StartPosition)]
    [InlineData(Moment.NodeFill)]
    [InlineData(Moment.ResumeRead)]
    [InlineData(Moment.ResumeReadThenFill)]
    [InlineData(Moment.FillThenResumeRead)]
    public async Task A_subscriber_told_recovered_false_gets_the_live_messages_that_came_during_its_recovery_and_after(Moment moment)
    {
        var ct = TestContext.Current.CancellationToken;
        var options = new TopicHistory { MaxCount = 2 };
        var history = new HeldHistory();
        // Five messages before anyone subscribed with positions here, all but the last two trimmed: 1-0 is gone.
        for (int n = 1; n <= 5; n++)
        {
            history.Publish($"E{n}");
        }
        history.Trim(2);
        var start = new TaskCompletionSource();
        var resume = new TaskCompletionSource();
        var fill = new TaskCompletionSource();
        history.HeldStart = start;
        history.Held["1-0"] = resume;
        history.Held["5-0"] = fill;

        var feed = new TopicFeed("t", history, options, long.MaxValue, NullLogger.Instance, (_, _) => { });
        history.Feed = feed;
        var subscriber = new Received();
        var joining = feed.JoinAsync(subscriber, new TopicPosition(1, 0), ct);
        try
        {
            if (moment == Moment.StartPosition)
            {
                history.Publish("L1");
                start.SetResult();
                resume.SetResult();
                fill.SetResult();
            }
            else
            {
                start.SetResult();
                // The reads are both asked for once the feed has its starting point: publish while they are held.
                await Eventually.TrueAsync(() => history.ReadsAfter.Contains("1-0") && history.ReadsAfter.Contains("5-0"), TimeSpan.FromSeconds(10),
                    () => $"the reads (asked for: {string.Join(", ", history.ReadsAfter)})");
                switch (moment)
                {
                    case Moment.NodeFill:
                        resume.SetResult();
                        await joining;
                        history.Publish("L1");
                        fill.SetResult();
                        break;
                    case Moment.ResumeRead:
                        fill.SetResult();
                        history.Publish("L1");
                        resume.SetResult();
                        break;
                    case Moment.ResumeReadThenFill:
                        history.Publish("L1");
                        resume.SetResult();
                        await joining;
                        fill.SetResult();
                        break;
                    case Moment.FillThenResumeRead:
                        history.Publish("L1");
                        fill.SetResult();
                        resume.SetResult();
                        break;
                }
            }
            var joined = await joining;
            Assert.False(joined.Recovered);
            // Then a live message after the join, as the test with real nodes publishes once it saw the signal.
            history.Publish("L2");
            string[] want = moment == Moment.StartPosition
                // L1 came before the feed's starting point (the newest position, asked for as the subscriber joined): it is
                // in the history the node starts after, not owed live; what matters is that L2 follows.
                ? ["{\"recovered\":false}", "L2"]
                : ["{\"recovered\":false}", "L1", "L2"];
            await Eventually.TrueAsync(() => subscriber.Texts.Length >= want.Length, TimeSpan.FromSeconds(10),
                () => $"{string.Join(" | ", subscriber.Texts)} (closed to resume: {subscriber.ClosedToResume})");
            var texts = subscriber.Texts;
            Assert.Equal(want[0], texts[0]);
            Assert.Equal(want[1..], texts[1..].Select(t => t[(t.IndexOf("\"data\":\"", StringComparison.Ordinal) + 8)..^2]));
            Assert.Null(subscriber.ClosedToResume);
        }
        finally
        {
            feed.Stop();
        }
    }

    [Fact]
    public async Task A_live_message_that_waited_for_a_fill_after_the_link_came_back_is_delivered_even_when_that_read_fails()
    {
        var ct = TestContext.Current.CancellationToken;
        var history = new HeldHistory();
        history.Publish("E1");
        var feed = new TopicFeed("t", history, new TopicHistory { MaxCount = 100 }, long.MaxValue, NullLogger.Instance, (_, _) => { });
        history.Feed = feed;
        var subscriber = new Received();
        try
        {
            // A plain positioned subscriber (no resume): live from the newest position.
            Assert.True((await feed.JoinAsync(subscriber, null, ct)).Added);
            history.Publish("L1");
            await Eventually.TrueAsync(() => subscriber.Texts.Length == 1, TimeSpan.FromSeconds(10), () => "L1");

            // The link to the store drops and comes back: the feed reads what it may have missed after L1 (held here), and
            // a live message that arrives meanwhile waits for that read. The read fails.
            var refill = new TaskCompletionSource();
            history.Held["2-0"] = refill;
            history.Failing.Add("2-0");
            feed.LinkChanged(up: false);
            feed.LinkChanged(up: true);
            await Eventually.TrueAsync(() => history.ReadsAfter.Count(a => a == "2-0") == 1, TimeSpan.FromSeconds(10), () => "the read after the link came back");
            history.Publish("L2");
            refill.SetResult();

            // L2 is not left behind: it is delivered (after a read that succeeds) without waiting for another message.
            await Eventually.TrueAsync(() => subscriber.Texts.Length == 2, TimeSpan.FromSeconds(10),
                () => $"L2 after the failed read (got: {string.Join(" | ", subscriber.Texts)}; closed to resume: {subscriber.ClosedToResume})");
            Assert.EndsWith("\"data\":\"L2\"}", subscriber.Texts[1], StringComparison.Ordinal);
        }
        finally
        {
            feed.Stop();
        }
    }

    [Fact]
    public async Task A_link_failure_during_the_nodes_first_read_is_filled_in_from_the_history_before_the_next_live_message()
    {
        var ct = TestContext.Current.CancellationToken;
        var history = new HeldHistory();
        history.Publish("E1");
        var fill = new TaskCompletionSource();
        history.Held["1-0"] = fill;
        var feed = new TopicFeed("t", history, new TopicHistory { MaxCount = 100 }, long.MaxValue, NullLogger.Instance, (_, _) => { });
        history.Feed = feed;
        var subscriber = new Received();
        try
        {
            Assert.True((await feed.JoinAsync(subscriber, null, ct)).Added);
            // The node's first read (from E1, its starting point) was answered, and the answer is on its way; then the link
            // drops, M is published meanwhile (this node never hears it) and the link comes back, all before that answer lands.
            await Eventually.TrueAsync(() => history.ReadsAfter.Contains("1-0"), TimeSpan.FromSeconds(10), () => "the first read");
            feed.LinkChanged(up: false);
            history.Publish("M", live: false);
            feed.LinkChanged(up: true);
            fill.SetResult();
            // The next live message comes after M, which the node fills in from the history: no gap.
            history.Publish("N");
            await Eventually.TrueAsync(() => subscriber.Texts.Length >= 2, TimeSpan.FromSeconds(10),
                () => $"M and N (got: {string.Join(" | ", subscriber.Texts)}; closed to resume: {subscriber.ClosedToResume})");
            Assert.Equal(["M", "N"], subscriber.Texts.Select(t => t[(t.IndexOf("\"data\":\"", StringComparison.Ordinal) + 8)..^2]));
        }
        finally
        {
            feed.Stop();
        }
    }
}
