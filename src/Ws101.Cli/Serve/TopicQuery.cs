using Ws101.PubSub;

namespace Ws101.Cli.Serve;

/// <summary>
/// The query of a <c>/topic/NAME</c> upgrade: <c>id=WHO</c> (a presence id), and later options; unknown parameters are
/// refused, so that a typo is not silently ignored.
/// </summary>
internal sealed record TopicQuery(string? PresenceId)
{
    public static TopicQuery Parse(string query, out string? problem)
    {
        problem = null;
        string? id = null;
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
                default:
                    problem = $"Unknown query parameter '{name}'; /topic/NAME takes id=WHO (presence).";
                    break;
            }
            if (problem is not null)
            {
                break;
            }
        }
        return new TopicQuery(id);
    }
}
