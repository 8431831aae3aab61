namespace Ws101;

/// <summary>What a <see cref="WebSocketTopics"/> hub has done since it was created.</summary>
/// <param name="Published">Messages published (locally, or arriving from other nodes).</param>
/// <param name="Delivered">Deliveries queued to subscribers.</param>
/// <param name="SkippedSlow">Deliveries skipped because the subscriber was at its queue bound.</param>
/// <param name="ClosedSlow">Subscribers closed with 1008 for being at their bound.</param>
/// <param name="BackplaneSent">Messages handed to the backplane.</param>
/// <param name="BackplaneReceived">Messages from other nodes.</param>
/// <param name="BackplaneLost">Messages that could not be sent to other nodes (link down or a failed send).</param>
/// <param name="BackplaneMalformed">Envelopes from the backplane that failed the checks.</param>
/// <param name="BackplaneMissed">Messages of other nodes this node knows it missed (gaps in a node's sequence numbers on a topic).</param>
/// <param name="HistoryFilled">Messages this node missed live and delivered to its positioned subscribers from the history instead.</param>
/// <param name="HistoryReplayed">Messages sent from the history to subscribers that resumed from a position.</param>
/// <param name="BackplaneDelayed">Messages held in the backplane's backlog while its link was down and sent once it was back (Redis: <c>RedisBackplaneOptions.PublishBacklog</c>).</param>
/// <param name="BackplaneBacklogDropped">Messages dropped from the backplane's backlog, too old or beyond its byte bound; each is also in <paramref name="BackplaneLost"/>.</param>
public readonly record struct TopicStatistics(long Published, long Delivered, long SkippedSlow, long ClosedSlow,
    long BackplaneSent, long BackplaneReceived, long BackplaneLost, long BackplaneMalformed, long BackplaneMissed = 0,
    long HistoryFilled = 0, long HistoryReplayed = 0, long BackplaneDelayed = 0, long BackplaneBacklogDropped = 0);
