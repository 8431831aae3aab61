using StackExchange.Redis;
using Ws101.PubSub;

namespace Ws101.Redis;

/// <summary>
/// Topic history on Redis Streams. A topic's stream is the key with the same name as its channel (<c>ws101:TOPIC</c>:
/// keys and channels live apart), so that in a Redis Cluster both hash to the same slot without hash tags. Each entry
/// holds <c>k</c> (<c>t</c> text or <c>b</c> binary) and <c>d</c> (the payload); its id is the message's position.
/// </summary>
internal static class RedisHistory
{
    // Appends and publishes in one step, so that the stream's order is the order every subscriber receives in, and the
    // envelope carries the id Redis gave the entry (BackplaneEnvelope.WithPosition, done here in Lua).
    // KEYS[1] the stream (= the channel); ARGV[1] the envelope's 30-byte header with the positioned flag; ARGV[2] the
    // topic; ARGV[3] the payload; ARGV[4] 't' or 'b'; ARGV[5] max count (0: none); ARGV[6] max age in ms (0: none);
    // ARGV[7] '1' for sharded pub/sub.
    private const string AppendScript = """
        local id
        if tonumber(ARGV[5]) > 0 then
          id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[5], '*', 'k', ARGV[4], 'd', ARGV[3])
        else
          id = redis.call('XADD', KEYS[1], '*', 'k', ARGV[4], 'd', ARGV[3])
        end
        if tonumber(ARGV[6]) > 0 then
          local t = redis.call('TIME')
          local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
          redis.call('XTRIM', KEYS[1], 'MINID', '~', string.format('%d', now - tonumber(ARGV[6])))
        end
        local envelope = ARGV[1] .. string.char(#id) .. id .. ARGV[2] .. ARGV[3]
        if ARGV[7] == '1' then
          redis.call('SPUBLISH', KEYS[1], envelope)
        else
          redis.call('PUBLISH', KEYS[1], envelope)
        end
        return id
        """;

    // Reads after a position, saying first whether the stream still covers it: the position is the newest id ever given
    // (nothing came after it), or still an entry (trimming only removes the oldest, so all that followed it is there), or
    // "0-0" (before everything) in a stream that was never trimmed. A stream that Redis lost and started again does not
    // cover an old position: its newest id differs and the entry is gone.
    // KEYS[1] the stream; ARGV[1] the position; ARGV[2] the most entries; ARGV[3] max age in ms (0: none).
    // Returns {0} (not covered) or {1, entries}.
    private const string ReadScript = """
        local key, after = KEYS[1], ARGV[1]
        if redis.call('EXISTS', key) == 0 then
          if after == '0-0' then return {1, {}} end
          return {0}
        end
        if tonumber(ARGV[3]) > 0 then
          local t = redis.call('TIME')
          local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
          redis.call('XTRIM', key, 'MINID', '~', string.format('%d', now - tonumber(ARGV[3])))
        end
        local info = redis.call('XINFO', 'STREAM', key)
        local last, deleted
        for i = 1, #info, 2 do
          if info[i] == 'last-generated-id' then last = info[i + 1] elseif info[i] == 'max-deleted-entry-id' then deleted = info[i + 1] end
        end
        if not (after == last or (after == '0-0' and deleted == '0-0') or #redis.call('XRANGE', key, after, after) > 0) then
          return {0}
        end
        return {1, redis.call('XRANGE', key, '(' .. after, '+', 'COUNT', ARGV[2])}
        """;

    // The newest id the stream ever gave, or "0-0" when there is no stream.
    private const string LastScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return '0-0' end
        local info = redis.call('XINFO', 'STREAM', KEYS[1])
        for i = 1, #info, 2 do
          if info[i] == 'last-generated-id' then return info[i + 1] end
        end
        return '0-0'
        """;

    public static Task<RedisResult> AppendAsync(IDatabaseAsync db, string key, byte[] envelope, TopicHistory history, bool sharded)
    {
        if (!BackplaneEnvelope.TryDecode(envelope, out var message, out string? problem) || message.Position is not null)
        {
            throw new ArgumentException($"Not an envelope to append: {problem ?? "it already has a position"}.", nameof(envelope));
        }
        int topicStart = BackplaneEnvelope.HeaderLength;
        var header = envelope.AsSpan(0, topicStart).ToArray();
        header[2] |= BackplaneEnvelope.PositionedFlag;
        return db.ScriptEvaluateAsync(AppendScript, [key],
        [
            header,
            envelope.AsMemory(topicStart, message.PayloadOffset - topicStart).ToArray(),
            envelope.AsMemory(message.PayloadOffset).ToArray(),
            message.Kind == WebSocketMessageKind.Text ? "t" : "b",
            history.MaxCount,
            (long)(history.MaxAge?.TotalMilliseconds ?? 0),
            sharded ? "1" : "0",
        ], CommandFlags.DemandMaster);
    }

    public static async Task<HistoryRead> ReadAfterAsync(IDatabaseAsync db, string key, string after, int max, TopicHistory history)
    {
        var reply = (RedisResult[])(await db.ScriptEvaluateAsync(ReadScript, [key],
            [after, max, (long)(history.MaxAge?.TotalMilliseconds ?? 0)], CommandFlags.DemandMaster).ConfigureAwait(false))!;
        if ((long)reply[0] != 1)
        {
            return new HistoryRead(false, []);
        }
        var entries = new List<HistoryEntry>();
        foreach (var item in (RedisResult[])reply[1]!)
        {
            var entry = (RedisResult[])item!;
            string position = (string)entry[0]!;
            var fields = (RedisResult[])entry[1]!;
            WebSocketMessageKind? kind = null;
            byte[]? payload = null;
            for (int i = 0; i + 1 < fields.Length; i += 2)
            {
                switch ((string?)fields[i])
                {
                    case "k":
                        kind = (string?)fields[i + 1] switch { "t" => WebSocketMessageKind.Text, "b" => WebSocketMessageKind.Binary, _ => null };
                        break;
                    case "d":
                        payload = (byte[]?)fields[i + 1];
                        break;
                }
            }
            // An entry written by something else is skipped, never delivered (a text one must still be UTF-8).
            if (kind is { } k && payload is not null && (k == WebSocketMessageKind.Binary || System.Text.Unicode.Utf8.IsValid(payload)))
            {
                entries.Add(new HistoryEntry(position, k, payload));
            }
        }
        return new HistoryRead(true, entries);
    }

    public static async Task<string> LastPositionAsync(IDatabaseAsync db, string key) =>
        (string?)await db.ScriptEvaluateAsync(LastScript, [key], flags: CommandFlags.DemandMaster).ConfigureAwait(false) ?? "0-0";
}
