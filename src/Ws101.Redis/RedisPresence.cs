using System.Globalization;
using System.Text;
using StackExchange.Redis;
using Ws101.PubSub;

namespace Ws101.Redis;

/// <summary>
/// Presence in Redis: one hash per topic (<c>ws101-presence:TOPIC</c>, one key, so any cluster slot will do), a field
/// per node holding when the part expires (Redis's clock, so that the nodes' clocks do not matter), the count and the
/// ids. A reader ignores and deletes the parts that expired; the key itself lives as long as its longest-lived part.
/// </summary>
internal static class RedisPresence
{
    // KEYS[1] the topic's hash; ARGV[1] the node; ARGV[2] time to live in ms; ARGV[3] the part ("" removes it).
    private const string WriteScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local ttl = tonumber(ARGV[2])
        if ARGV[3] == '' then
          redis.call('HDEL', KEYS[1], ARGV[1])
          return 0
        end
        redis.call('HSET', KEYS[1], ARGV[1], (now + ttl) .. '\n' .. ARGV[3])
        if redis.call('PTTL', KEYS[1]) < ttl then
          redis.call('PEXPIRE', KEYS[1], ttl)
        end
        return 1
        """;

    // KEYS[1] the topic's hash. Returns node, part, node, part... of the parts that have not expired; deletes the others.
    private const string ReadScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local all = redis.call('HGETALL', KEYS[1])
        local live = {}
        for i = 1, #all, 2 do
          local expires = tonumber(string.match(all[i + 1], '^%d+'))
          if expires ~= nil and expires >= now then
            live[#live + 1] = all[i]
            live[#live + 1] = all[i + 1]
          else
            redis.call('HDEL', KEYS[1], all[i])
          end
        end
        return live
        """;

    public static Task WriteAsync(IDatabaseAsync db, string key, NodePresence presence, TimeSpan timeToLive)
    {
        string part = presence.Connections <= 0 ? "" : Encode(presence);
        return db.ScriptEvaluateAsync(WriteScript, [key],
            [presence.Node.ToString("N"), (long)Math.Ceiling(timeToLive.TotalMilliseconds), part]);
    }

    public static async Task<IReadOnlyList<NodePresence>> ReadAsync(IDatabaseAsync db, string key)
    {
        var reply = (RedisResult[])(await db.ScriptEvaluateAsync(ReadScript, [key]).ConfigureAwait(false))!;
        var parts = new List<NodePresence>(reply.Length / 2);
        for (int i = 0; i + 1 < reply.Length; i += 2)
        {
            if (Guid.TryParseExact((string?)reply[i], "N", out var node) && TryDecode(node, (string?)reply[i + 1], out var part))
            {
                parts.Add(part);
            }
        }
        return parts;
    }

    // "COUNT\nID\tN\nID\tN..." (ids have no control characters, so neither a tab nor a newline).
    internal static string Encode(NodePresence presence)
    {
        var sb = new StringBuilder().Append(presence.Connections.ToString(CultureInfo.InvariantCulture));
        foreach (var (id, n) in presence.Members)
        {
            sb.Append('\n').Append(id).Append('\t').Append(n.ToString(CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    // The stored value: "EXPIRES\n" then the encoded part. Anything unreadable is skipped, never thrown.
    internal static bool TryDecode(Guid node, string? stored, out NodePresence presence)
    {
        presence = null!;
        if (stored is null)
        {
            return false;
        }
        var lines = stored.Split('\n');
        if (lines.Length < 2 || !int.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out int connections))
        {
            return false;
        }
        var members = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 2; i < lines.Length; i++)
        {
            int tab = lines[i].LastIndexOf('\t');
            if (tab > 0 && int.TryParse(lines[i].AsSpan(tab + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            {
                members[lines[i][..tab]] = n;
            }
        }
        presence = new NodePresence(node, connections, members);
        return true;
    }
}
