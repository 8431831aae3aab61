using System.Text;

namespace Ws101.Tests.Compression;

/// <summary>Text to compress: JSON records with repeated structure and varying values, generated deterministically.</summary>
internal static class Corpus
{
    public static byte[] Json(int bytes, int seed = 1)
    {
        var random = new Random(seed);
        var sb = new StringBuilder(bytes + 256);
        string[] names = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];
        string[] kinds = ["trade", "quote", "heartbeat", "order", "cancel"];
        int i = 0;
        sb.Append('[');
        while (sb.Length < bytes)
        {
            sb.Append("{\"id\":").Append(i++).Append(",\"user\":\"").Append(names[random.Next(names.Length)])
              .Append("\",\"type\":\"").Append(kinds[random.Next(kinds.Length)]).Append("\",\"price\":")
              .Append((random.Next(100000) / 100.0).ToString(System.Globalization.CultureInfo.InvariantCulture))
              .Append(",\"qty\":").Append(random.Next(1, 500)).Append(",\"note\":\"héllo ✓\"},");
        }
        sb.Append("{}]");
        var all = Encoding.UTF8.GetBytes(sb.ToString());
        return all;
    }

    public static byte[] Random(int bytes, int seed = 2)
    {
        var data = new byte[bytes];
        new Random(seed).NextBytes(data);
        return data;
    }
}
