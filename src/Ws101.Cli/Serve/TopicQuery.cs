using Ws101.PubSub;

namespace Ws101.Cli.Serve;

/// <summary>
/// The query of a <c>/topic/NAME</c> upgrade: <c>id=WHO</c> (a presence id), <c>positions=1</c> (each message as JSON
/// with its position in the topic's history), <c>since=POSITION</c> (resume after it; implies positions). Unknown
/// parameters are refused, so that a typo is not silently ignored.
/// </summary>
internal sealed record TopicQuery(string? PresenceId, bool Positions, string? Since)
{
    public TopicSubscribeOptions ToOptions() => new() { PresenceId = PresenceId, Positions = Positions, Since = Since };

    public static TopicQuery Parse(string query, out string? problem)
    {
        problem = null;
        string? id = null, since = null;
        bool positions = false;
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            string name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            string value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
            switch (name)
            {
                case "id":
                    id = value;
                    problem = TopicSubscribeOptions.CheckPresenceId(id);
                    break;
                case "positions":
                    positions = value is "1" or "true" ? true : value is "0" or "false" ? false
                        : Fail(out problem, $"positions={value}: use positions=1.");
                    break;
                case "since":
                    since = value;
                    positions = true;
                    if (!IsPosition(value))
                    {
                        problem = $"since={value}: a position is what a positioned message carries (\"position\": \"A-B\").";
                    }
                    break;
                default:
                    problem = $"Unknown query parameter '{name}'; /topic/NAME takes id=WHO, positions=1 and since=POSITION.";
                    break;
            }
            if (problem is not null)
            {
                break;
            }
        }
        return new TopicQuery(id, positions, since);
    }

    private static bool Fail(out string? problem, string text)
    {
        problem = text;
        return false;
    }

    private static bool IsPosition(string value)
    {
        int dash = value.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && value.Length <= BackplaneEnvelope.MaxPositionBytes
            && ulong.TryParse(value.AsSpan(0, dash), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)
            && ulong.TryParse(value.AsSpan(dash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _);
    }
}
