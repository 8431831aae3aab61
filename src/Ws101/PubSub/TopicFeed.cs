using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Ws101.PubSub;

/// <summary>
/// One node's positioned subscribers of one topic with history, and the node's feed of that topic's positioned
/// messages: what arrives live (each message's envelope carries its position in the history), put together with what
/// is read from the history, so that every subscriber gets each message after its starting point once, in order.
/// </summary>
/// <remarks>
/// Everything the feed decides happens in one loop that takes one piece of work at a time from its inbox (a live
/// message, a subscriber joining or leaving, the result of a history read, the backplane's link going down or coming
/// back), so that no lock is needed for its state and deliveries keep their order. History reads run beside the loop
/// and post their result back to it. The rules:
/// <list type="bullet">
/// <item>The feed starts from the history's newest position when the first positioned subscriber comes; once the node's
/// subscription to the topic is in place it reads what came since from the history, and from there on delivers every
/// message with a later position exactly once (a message at or before the last one delivered is a duplicate and dropped).</item>
/// <item>While the live messages are known to follow each other (no link failure since), each is delivered as it comes.
/// After a link failure the next live message waits while the history is read from the last delivered position up to it:
/// what the node missed is filled in from the history first. When the history no longer holds that position, the
/// node cannot prove it missed nothing: its subscribers are closed with 1001 "resume:" and come back on their own.</item>
/// <item>A subscriber that resumes from a position is held apart (its live messages are kept for it) while its part of
/// the history is read; it is then sent the recovery signal, the missed messages and the kept live messages after the
/// last one read, in that order, and joins the live delivery. Each subscriber remembers its last position, so nothing
/// reaches it twice.</item>
/// </list>
/// </remarks>
internal sealed class TopicFeed
{
    // A history read asks for this many entries at a time.
    private const int Page = 1000;

    private readonly string _topic;
    private readonly ITopicHistoryStore _store;
    private readonly TopicHistory _history;
    private readonly long _maxQueuedBytes;
    private readonly ILogger _logger;
    private readonly Action<long, long> _count;
    private readonly Channel<object> _inbox = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();

    // The loop's own state.
    private readonly List<Member> _members = [];
    private readonly List<Live> _pending = [];
    private TopicPosition _last;
    private bool _started;
    private bool _verified;
    private bool _reading;
    // Link failures seen so far: a read proves the live messages follow on only when no failure came while it ran (its
    // answer may have been given by the store before the failure, and say nothing of what was missed after it).
    private int _linkFailures;

    /// <summary>Starts the feed: its loop, and the wait for the node's subscription before it takes the history's newest position.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="store">The backplane, as the history store.</param>
    /// <param name="history">The topic's history options (<see cref="TopicHistory.MaxRecovered"/> bounds every read).</param>
    /// <param name="maxQueuedBytes">The topic's queue bound per subscriber.</param>
    /// <param name="logger">Where the feed tells what it filled in or could not.</param>
    /// <param name="count">Adds (filled from the history for this node, sent to resuming subscribers) to the hub's statistics.</param>
    public TopicFeed(string topic, ITopicHistoryStore store, TopicHistory history, long maxQueuedBytes, ILogger logger, Action<long, long> count)
    {
        _topic = topic;
        _store = store;
        _history = history;
        _maxQueuedBytes = maxQueuedBytes;
        _logger = logger;
        _count = count;
        _ = Task.Run(LoopAsync);
        // Not through the thread pool: the starting position is asked for now, as the first subscriber joins. Queued, it
        // could be read seconds later on a busy machine, after messages the joined subscriber was owed (they came before
        // the position the feed then started from, and were never delivered). Only the request is sent here; nothing
        // waits for Redis on this thread.
        _ = StartAsync();
    }

    /// <summary>A positioned message arrived from the backplane (through the topic's own subscription, in order).</summary>
    public void PostLive(string position, WebSocketMessageKind kind, ReadOnlySpan<byte> payload)
    {
        if (!TopicPosition.TryParse(position, out var at))
        {
            return;
        }
        var message = PositionedFrames.Message(position, kind, payload);
        if (!_inbox.Writer.TryWrite(new Live(at, message)))
        {
            message.Dispose();
        }
    }

    /// <summary>Adds a subscriber; completes when it has joined the live delivery (after its recovery, when it resumes).</summary>
    public Task<TopicSubscribeResult> JoinAsync(ITopicSubscriber subscriber, TopicPosition? since, CancellationToken cancellationToken)
    {
        var member = new Member(subscriber, since);
        if (!_inbox.Writer.TryWrite(member))
        {
            member.Joined.TrySetResult(new TopicSubscribeResult(false, null, 0));
        }
        return member.Joined.Task.WaitAsync(cancellationToken);
    }

    public void Leave(ITopicSubscriber subscriber) => _inbox.Writer.TryWrite(new Leaving(subscriber));

    /// <summary>The backplane's link went down (messages may be missed from now on) or came back.</summary>
    public void LinkChanged(bool up) => _inbox.Writer.TryWrite(up ? LinkUp.Instance : LinkDown.Instance);

    /// <summary>Stops the loop and releases what is pending (the topic has no positioned subscriber left).</summary>
    public void Stop()
    {
        _inbox.Writer.TryComplete();
        _stopping.Cancel();
    }

    private async Task StartAsync()
    {
        // Where subscribers that join now start (the history's newest position), then the subscription; what came
        // between the two is read from the history (a fill) before the first live message is delivered.
        for (var delay = TimeSpan.FromMilliseconds(250); !_stopping.IsCancellationRequested; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks)))
        {
            try
            {
                string last = await _store.GetLastPositionAsync(_topic, _stopping.Token).ConfigureAwait(false);
                await _store.WhenSubscribedAsync(_topic, _stopping.Token).ConfigureAwait(false);
                _inbox.Writer.TryWrite(new Started(TopicPosition.TryParse(last, out var at) ? at : TopicPosition.Start));
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException && !_stopping.IsCancellationRequested)
            {
                TopicsLog.HistoryFeedNotStarted(_logger, _topic, ex.Message);
                try
                {
                    await Task.Delay(delay, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task LoopAsync()
    {
        await foreach (var work in _inbox.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                Handle(work);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                TopicsLog.HistoryFeedFailed(_logger, ex, _topic, work.GetType().Name);
                CloseAllToResume("resume: the node's feed of this topic failed");
            }
        }
        // Stopped: release what was kept.
        foreach (var live in _pending)
        {
            live.Message.Dispose();
        }
        _pending.Clear();
        foreach (var member in _members)
        {
            member.Release();
        }
    }

    private void Handle(object work)
    {
        switch (work)
        {
            case Live live:
                OnLive(live);
                break;
            case Started started:
                _started = true;
                _last = started.At;
                foreach (var member in _members.Where(m => m.Since is not null && !m.Reading && !m.IsLive))
                {
                    BeginRecovery(member);
                }
                // The subscription is in place: one read from the starting point, and the live messages follow on.
                _verified = false;
                _reading = true;
                _ = FillAsync(_last, verifies: true, TimeSpan.Zero, missed: false, _linkFailures);
                break;
            case Member member:
                _members.Add(member);
                if (member.Since is null)
                {
                    // From now on: everything after what this node delivers next.
                    member.Last = _started ? _last : TopicPosition.Start;
                    member.IsLive = true;
                    member.Joined.TrySetResult(new TopicSubscribeResult(true, null, 0));
                }
                else if (_started)
                {
                    BeginRecovery(member);
                }
                break;
            case Recovery recovery:
                FinishRecovery(recovery);
                break;
            case Filled filled:
                FinishFill(filled);
                break;
            case Leaving leaving:
                int index = _members.FindIndex(m => ReferenceEquals(m.Subscriber, leaving.Subscriber));
                if (index >= 0)
                {
                    _members[index].Release();
                    _members[index].Joined.TrySetResult(new TopicSubscribeResult(false, null, 0));
                    _members.RemoveAt(index);
                }
                break;
            case LinkDown:
                _verified = false;
                _linkFailures++;
                break;
            case LinkUp:
                // Fill in at once what was missed, rather than at the next live message; the next live message still
                // checks again (the subscription may come back after this read).
                if (_started && !_reading)
                {
                    _ = FillAsync(_last, verifies: false, TimeSpan.FromMilliseconds(500), missed: true, _linkFailures);
                    _reading = true;
                }
                break;
        }
    }

    private void OnLive(Live live)
    {
        if (!_started || _reading)
        {
            _pending.Add(live);
            return;
        }
        if (live.At <= _last)
        {
            live.Message.Dispose();
            return;
        }
        if (!_verified)
        {
            // The link failed since the last delivered message: read what came between before delivering this one.
            _pending.Add(live);
            _reading = true;
            _ = FillAsync(_last, verifies: true, TimeSpan.Zero, missed: true, _linkFailures);
            return;
        }
        Deliver(live.At, live.Message);
        live.Message.Dispose();
    }

    private void ProcessPending()
    {
        while (_pending.Count > 0 && !_reading)
        {
            var next = _pending[0];
            _pending.RemoveAt(0);
            OnLive(next);
        }
    }

    private void Deliver(TopicPosition at, PreparedMessage message)
    {
        _last = at;
        for (int i = _members.Count - 1; i >= 0; i--)
        {
            var member = _members[i];
            if (!member.IsLive)
            {
                if (member.Reading && message.TryAddReference())
                {
                    member.Kept.Add(new Live(at, message));
                    member.KeptBytes += message.FrameLength;
                    if (member.KeptBytes > _maxQueuedBytes)
                    {
                        CloseToResume(i, $"resume: more than {_maxQueuedBytes} bytes came while the history was read");
                    }
                }
                continue;
            }
            if (at <= member.Last)
            {
                continue;
            }
            member.Last = at;
            switch (member.Subscriber.TryEnqueue(message, _maxQueuedBytes))
            {
                case EnqueueResult.Full:
                    // Never skipped: a gap it could not see. It comes back and resumes from its last position instead.
                    CloseToResume(i, $"resume: read too slowly (more than {_maxQueuedBytes} bytes waiting)");
                    break;
                case EnqueueResult.Closed:
                    _members[i].Release();
                    _members.RemoveAt(i);
                    break;
            }
        }
    }

    private void CloseToResume(int index, string reason)
    {
        var member = _members[index];
        _members.RemoveAt(index);
        member.Release();
        member.Joined.TrySetResult(new TopicSubscribeResult(true, null, 0));
        member.Subscriber.CloseToResume(reason);
    }

    private void CloseAllToResume(string reason)
    {
        for (int i = _members.Count - 1; i >= 0; i--)
        {
            CloseToResume(i, reason);
        }
    }

    private void BeginRecovery(Member member)
    {
        member.Reading = true;
        _ = RecoverAsync(member);
    }

    private async Task RecoverAsync(Member member)
    {
        HistoryRead? read = null;
        Exception? error = null;
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            limit.CancelAfter(TimeSpan.FromSeconds(10));
            read = await ReadAllAfterAsync(member.Since!.Value, limit.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            error = ex;
        }
        _inbox.Writer.TryWrite(new Recovery(member, read, error));
    }

    private void FinishRecovery(Recovery recovery)
    {
        var member = recovery.Member;
        int index = _members.IndexOf(member);
        if (index < 0)
        {
            return;
        }
        if (recovery.Read is not { } read)
        {
            TopicsLog.HistoryResumeReadFailed(_logger, _topic, recovery.Error?.Message);
            CloseToResume(index, "resume: the history could not be read now; try again");
            return;
        }
        var since = member.Since!.Value;
        // What to send, in order; the messages framed here are ours to dispose, the kept live ones are shared (a reference each).
        var sent = new List<(PreparedMessage Message, bool Owned)>();
        try
        {
            if (read.Covered)
            {
                sent.Add((PositionedFrames.Recovered(read.Entries.Count), true));
                member.Last = since;
                foreach (var entry in read.Entries)
                {
                    if (TopicPosition.TryParse(entry.Position, out var at))
                    {
                        sent.Add((PositionedFrames.Message(entry.Position, entry.Kind, entry.Payload.Span), true));
                        member.Last = at;
                    }
                }
            }
            else
            {
                sent.Add((PositionedFrames.NotRecovered(), true));
                member.Last = TopicPosition.Start;
            }
            // The live messages kept meanwhile, after the last one read: the seam, without a duplicate.
            foreach (var kept in member.Kept)
            {
                if (kept.At > member.Last && kept.Message.TryAddReference())
                {
                    sent.Add((kept.Message, false));
                    member.Last = kept.At;
                }
            }
            member.Release();
            member.Reading = false;
            member.IsLive = true;
            // Past the queue's bound on purpose: the recovery is bounded by TopicHistory.MaxRecovered, and a subscriber
            // that does not read it is closed by the next live message.
            foreach (var (message, _) in sent)
            {
                if (member.Subscriber.TryEnqueue(message, long.MaxValue) != EnqueueResult.Queued)
                {
                    break;
                }
            }
            if (read.Covered)
            {
                _count(0, read.Entries.Count);
            }
            member.Joined.TrySetResult(new TopicSubscribeResult(true, read.Covered, read.Covered ? read.Entries.Count : 0));
        }
        finally
        {
            foreach (var (message, owned) in sent)
            {
                if (owned)
                {
                    message.Dispose();
                }
                else
                {
                    message.Release();
                }
            }
        }
    }

    // missed: the read is for messages the node may have missed (after a link failure), counted as filled; not so the first read.
    // linkFailures: the count when the read was asked for (see _linkFailures).
    private async Task FillAsync(TopicPosition after, bool verifies, TimeSpan delay, bool missed, int linkFailures)
    {
        HistoryRead? read = null;
        Exception? error = null;
        try
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, _stopping.Token).ConfigureAwait(false);
            }
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            limit.CancelAfter(TimeSpan.FromSeconds(10));
            read = await ReadAllAfterAsync(after, limit.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            error = ex;
        }
        _inbox.Writer.TryWrite(new Filled(read, error, verifies, missed, linkFailures));
    }

    private void FinishFill(Filled filled)
    {
        _reading = false;
        if (filled.Read is not { Covered: true } read)
        {
            if (filled.Read is not null || filled.Verifies)
            {
                // The history does not reach back to the last message this node delivered (trimmed, or the store lost
                // it), or could not be read: the node cannot tell what it missed. Its subscribers resume on their own.
                TopicsLog.HistoryCannotFillIn(_logger, _topic,
                    filled.Read is null ? filled.Error?.Message : "the history no longer holds the last position delivered", _members.Count);
                CloseAllToResume("resume: this node missed messages it cannot fill from the history");
                _started = false;
                _ = Task.Run(StartAsync);
                return;
            }
            // The read after the link came back failed (the store is still away). The live messages that waited for it must
            // not wait for another read that nothing would start (a quiet topic sends no next message): they go on now,
            // the first one through the usual check (the link failed since the last delivery, so it asks for a read from
            // the last delivered position that either fills the gap or sends the subscribers to resume).
            ProcessPending();
            return;
        }
        // Counted as filled: what came from the history before the first live message that waited (the rest was on its way live too).
        TopicPosition? firstLive = _pending.Count > 0 ? _pending[0].At : null;
        long fromHistory = 0;
        foreach (var entry in read.Entries)
        {
            if (TopicPosition.TryParse(entry.Position, out var at) && at > _last)
            {
                using var message = PositionedFrames.Message(entry.Position, entry.Kind, entry.Payload.Span);
                Deliver(at, message);
                if (firstLive is not { } live || at < live)
                {
                    fromHistory++;
                }
            }
        }
        if (fromHistory > 0 && filled.Missed)
        {
            _count(fromHistory, 0);
            TopicsLog.HistoryFilledIn(_logger, _topic, fromHistory);
        }
        if (filled.Verifies && filled.LinkFailures == _linkFailures)
        {
            _verified = true;
        }
        ProcessPending();
    }

    /// <summary>Everything after <paramref name="after"/>, page by page; not covered when there are more than <see cref="TopicHistory.MaxRecovered"/>.</summary>
    private async Task<HistoryRead> ReadAllAfterAsync(TopicPosition after, CancellationToken cancellationToken)
    {
        var entries = new List<HistoryEntry>();
        string from = after.ToString();
        while (true)
        {
            int want = Math.Min(Page, _history.MaxRecovered + 1 - entries.Count);
            var page = await _store.ReadAfterAsync(_topic, from, want, _history, cancellationToken).ConfigureAwait(false);
            if (!page.Covered)
            {
                return new HistoryRead(false, []);
            }
            entries.AddRange(page.Entries);
            if (entries.Count > _history.MaxRecovered)
            {
                return new HistoryRead(false, []);
            }
            if (page.Entries.Count < want)
            {
                return new HistoryRead(true, entries);
            }
            from = page.Entries[^1].Position;
        }
    }

    private sealed record Live(TopicPosition At, PreparedMessage Message);

    private sealed record Started(TopicPosition At);

    private sealed record Recovery(Member Member, HistoryRead? Read, Exception? Error);

    private sealed record Filled(HistoryRead? Read, Exception? Error, bool Verifies, bool Missed, int LinkFailures);

    private sealed record Leaving(ITopicSubscriber Subscriber);

    private sealed class LinkDown
    {
        public static readonly LinkDown Instance = new();
    }

    private sealed class LinkUp
    {
        public static readonly LinkUp Instance = new();
    }

    private sealed class Member(ITopicSubscriber subscriber, TopicPosition? since)
    {
        public ITopicSubscriber Subscriber { get; } = subscriber;

        public TopicPosition? Since { get; } = since;

        public TaskCompletionSource<TopicSubscribeResult> Joined { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The last position this subscriber was given (or its starting point).</summary>
        public TopicPosition Last;

        public bool IsLive;

        public bool Reading;

        /// <summary>Live messages kept while its part of the history is read.</summary>
        public List<Live> Kept { get; } = [];

        public long KeptBytes;

        public void Release()
        {
            foreach (var kept in Kept)
            {
                kept.Message.Release();
            }
            Kept.Clear();
            KeptBytes = 0;
        }
    }
}
