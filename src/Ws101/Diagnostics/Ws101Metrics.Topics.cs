using System.Diagnostics.Metrics;

namespace Ws101;

internal static partial class Ws101Metrics
{
    internal static readonly Counter<long> TopicPublishes =
        Meter.CreateCounter<long>("ws101.topics.publishes", "{message}", "Messages published to topics (locally or arriving from the backplane), each framed once.");

    internal static readonly Counter<long> TopicDeliveries =
        Meter.CreateCounter<long>("ws101.topics.deliveries", "{message}", "Topic messages queued to a subscriber.");

    internal static readonly Counter<long> TopicDrops =
        Meter.CreateCounter<long>("ws101.topics.drops", "{message}",
            "Topic messages not delivered to a subscriber, tagged with the reason: slow (skipped at its queue bound), slow-closed (closed with 1008), closed (it ended first).");

    internal static readonly Counter<long> BackplaneSent =
        Meter.CreateCounter<long>("ws101.backplane.sent", "{message}", "Messages handed to the backplane for other nodes.");

    internal static readonly Counter<long> BackplaneReceived =
        Meter.CreateCounter<long>("ws101.backplane.received", "{message}", "Messages from other nodes delivered locally.");

    internal static readonly Counter<long> BackplaneLost =
        Meter.CreateCounter<long>("ws101.backplane.lost", "{message}", "Messages that could not reach the other nodes (backplane down or the send failed).");

    internal static readonly Counter<long> BackplaneDelayed =
        Meter.CreateCounter<long>("ws101.backplane.delayed", "{message}",
            "Messages held in the backplane's backlog while its link was down and sent once it was back.");

    internal static readonly Counter<long> BackplaneBacklogDropped =
        Meter.CreateCounter<long>("ws101.backplane.backlog_dropped", "{message}",
            "Messages dropped from the backplane's backlog (too old, or beyond its byte bound); also counted in ws101.backplane.lost.");

    internal static readonly Counter<long> BackplaneMalformed =
        Meter.CreateCounter<long>("ws101.backplane.malformed", "{message}", "Envelopes from the backplane that failed the checks and were dropped.");

    internal static readonly Counter<long> BackplaneMissed =
        Meter.CreateCounter<long>("ws101.backplane.missed", "{message}",
            "Messages of other nodes that this node knows it missed: gaps in a publishing node's sequence numbers on a topic.");

    internal static readonly Counter<long> TopicDeflations =
        Meter.CreateCounter<long>("ws101.topics.deflations", "{message}",
            "Topic messages deflated once for every permessage-deflate subscriber whose agreement allows it (server_no_context_takeover).");
}
