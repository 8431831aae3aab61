using Ws101.PubSub;

namespace Ws101.Redis;

/// <summary>
/// A publish held in the <see cref="PublishBacklog"/>: the envelope (without a position: a topic with history is
/// appended, and given its position by Redis, only when it is finally sent), its topic's history if any, and when it
/// was held (Environment.TickCount64).
/// </summary>
internal readonly record struct HeldPublish(string Topic, byte[] Envelope, TopicHistory? History, long HeldAt);
