using System.Security.Cryptography;
using System.Text;

namespace Ws101.Interop.Harness;

/// <summary>
/// The deterministic message bodies that every peer script, the browser page and the C# harness
/// generate the same way, so that a size names one exact payload and a SHA-256 proves it arrived intact.
/// </summary>
/// <remarks>
/// Text byte <c>i</c> is <c>32 + (i * 7 mod 95)</c> (printable ASCII, so any split is valid UTF-8);
/// binary byte <c>i</c> is <c>(i * 31 + 7) mod 256</c> (every byte value occurs).
/// </remarks>
public static class Payload
{
    /// <summary>The sizes the wire tests use: empty, the largest 7-bit length, the smallest 16-bit length, 64 KiB, 1 MiB.</summary>
    public static IReadOnlyList<int> WireSizes { get; } = [0, 125, 126, 64 * 1024, 1024 * 1024];

    /// <summary>The UTF-8 bytes of the text payload of <paramref name="size"/> bytes.</summary>
    public static byte[] TextBytes(int size)
    {
        var bytes = new byte[size];
        for (int i = 0; i < size; i++)
        {
            bytes[i] = (byte)(32 + (i * 7 % 95));
        }
        return bytes;
    }

    /// <summary>The text payload of <paramref name="size"/> bytes as a string.</summary>
    public static string Text(int size) => Encoding.ASCII.GetString(TextBytes(size));

    /// <summary>The binary payload of <paramref name="size"/> bytes.</summary>
    public static byte[] Binary(int size)
    {
        var bytes = new byte[size];
        for (int i = 0; i < size; i++)
        {
            bytes[i] = (byte)((i * 31) + 7);
        }
        return bytes;
    }

    /// <summary>The payload of the given kind ("text" or "binary") and size, as bytes.</summary>
    public static byte[] Bytes(string type, int size) => type == PeerMessageType.Text ? TextBytes(size) : Binary(size);

    /// <summary>The lower-case hex SHA-256 of <paramref name="bytes"/>, as the peers print it.</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
