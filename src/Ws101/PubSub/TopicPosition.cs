using System.Globalization;

namespace Ws101.PubSub;

/// <summary>
/// A message's place in a topic's history, as a history store gives it: two unsigned numbers "A-B", ordered by A then B
/// (a Redis stream id: milliseconds and a sequence). Clients treat positions as opaque strings; nodes compare them to
/// put recovered and live messages together without a duplicate or a gap.
/// </summary>
internal readonly record struct TopicPosition(ulong High, ulong Low) : IComparable<TopicPosition>
{
    /// <summary>Before every message: a history that was never trimmed holds everything after it.</summary>
    public static TopicPosition Start => default;

    public static bool TryParse(ReadOnlySpan<char> text, out TopicPosition position)
    {
        position = default;
        int dash = text.IndexOf('-');
        if (dash <= 0 || text.Length > BackplaneEnvelope.MaxPositionBytes
            || !ulong.TryParse(text[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out ulong high)
            || !ulong.TryParse(text[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out ulong low))
        {
            return false;
        }
        position = new TopicPosition(high, low);
        return true;
    }

    public int CompareTo(TopicPosition other) => High != other.High ? High.CompareTo(other.High) : Low.CompareTo(other.Low);

    public static bool operator <(TopicPosition a, TopicPosition b) => a.CompareTo(b) < 0;

    public static bool operator >(TopicPosition a, TopicPosition b) => a.CompareTo(b) > 0;

    public static bool operator <=(TopicPosition a, TopicPosition b) => a.CompareTo(b) <= 0;

    public static bool operator >=(TopicPosition a, TopicPosition b) => a.CompareTo(b) >= 0;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{High}-{Low}");
}
