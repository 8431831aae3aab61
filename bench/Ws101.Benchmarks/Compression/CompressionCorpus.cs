using System.Globalization;
using System.Text;

namespace Ws101.Benchmarks.Compression;

/// <summary>Deterministic text to compress: JSON records with repeated keys and varying values, and English prose.</summary>
internal static class CompressionCorpus
{
    /// <summary>JSON objects like a feed of trades and chat messages, <paramref name="bytes"/> long.</summary>
    public static byte[] Json(int bytes, int seed = 1)
    {
        var random = new Random(seed);
        string[] names = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];
        string[] kinds = ["trade", "quote", "heartbeat", "order", "cancel"];
        var sb = new StringBuilder(bytes + 256).Append('[');
        for (int i = 0; sb.Length < bytes; i++)
        {
            sb.Append("{\"id\":").Append(i).Append(",\"user\":\"").Append(names[random.Next(names.Length)])
              .Append("\",\"type\":\"").Append(kinds[random.Next(kinds.Length)]).Append("\",\"price\":")
              .Append((random.Next(100000) / 100.0).ToString(CultureInfo.InvariantCulture))
              .Append(",\"qty\":").Append(random.Next(1, 500)).Append(",\"ts\":").Append(1764000000000L + (i * 37L)).Append("},");
        }
        sb.Append("{}]");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>English prose: the repository's own Markdown documents, repeated to <paramref name="bytes"/>.</summary>
    public static byte[] Prose(int bytes, int seed = 0)
    {
        string text = SourceText();
        // Each seed starts at another place in the text, so that successive messages differ as chat or log lines do.
        var sb = new StringBuilder(bytes + (2 * text.Length));
        while (sb.Length < bytes + text.Length)
        {
            sb.Append(text);
        }
        int start = (int)((seed * 7919L) % text.Length);
        return Encoding.UTF8.GetBytes(sb.ToString(start, bytes));
    }

    /// <summary>The prose the messages are cut from.</summary>
    public static string SourceText()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !Directory.Exists(Path.Combine(dir, "docs")))
        {
            dir = Path.GetDirectoryName(dir);
        }
        return dir is null
            ? "The WebSocket Protocol enables two-way communication between a client running untrusted code in a controlled environment to a remote host that has opted-in to communications from that code. "
            : string.Concat(Directory.GetFiles(Path.Combine(dir, "docs"), "*.md").Order(StringComparer.Ordinal).Select(File.ReadAllText));
    }
}
