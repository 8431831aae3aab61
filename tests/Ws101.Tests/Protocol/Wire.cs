using System.Buffers.Binary;
using System.Text;
using Ws101.Protocol;

namespace Ws101.Tests.Protocol;

/// <summary>
/// A reference frame encoder written straight from the RFC 6455 §5.2 diagram, independent of <see cref="FrameHeader"/>,
/// so that tests can craft frames, including malformed ones, as a peer would put them on the wire.
/// </summary>
internal static class Wire
{
    public const int Fin = 0x80;
    public const int Rsv1 = 0x40;
    public const int Rsv2 = 0x20;
    public const int Rsv3 = 0x10;

    /// <summary>Whether frames a peer sends to an endpoint of <paramref name="receiver"/>'s role are masked (§5.1).</summary>
    public static bool MaskedFor(WebSocketRole receiver) => receiver == WebSocketRole.Server;

    /// <summary>
    /// A frame with the given first byte (FIN, RSV, opcode) and payload, as a peer of <paramref name="receiver"/> sends it.
    /// <paramref name="lengthBits"/> forces the 7, 16 or 64-bit form; <paramref name="declaredLength"/> lies about the length.
    /// </summary>
    public static byte[] Frame(WebSocketRole receiver, int firstByte, ReadOnlySpan<byte> payload, bool? masked = null,
        int? lengthBits = null, ulong? declaredLength = null)
    {
        bool mask = masked ?? MaskedFor(receiver);
        ulong length = declaredLength ?? (ulong)payload.Length;
        int bits = lengthBits ?? (length <= 125 ? 7 : length <= 0xFFFF ? 16 : 64);
        var frame = new List<byte> { (byte)firstByte };
        byte maskBit = mask ? (byte)0x80 : (byte)0;
        switch (bits)
        {
            case 7:
                frame.Add((byte)(maskBit | (byte)length));
                break;
            case 16:
                frame.Add((byte)(maskBit | 126));
                frame.Add((byte)(length >> 8));
                frame.Add((byte)length);
                break;
            default:
                frame.Add((byte)(maskBit | 127));
                for (int shift = 56; shift >= 0; shift -= 8)
                {
                    frame.Add((byte)(length >> shift));
                }
                break;
        }
        byte[] key = new byte[4];
        if (mask)
        {
            Random.Shared.NextBytes(key);
            frame.AddRange(key);
        }
        for (int i = 0; i < payload.Length; i++)
        {
            frame.Add(mask ? (byte)(payload[i] ^ key[i % 4]) : payload[i]);
        }
        return frame.ToArray();
    }

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    public static byte[] Text(WebSocketRole receiver, string text, bool fin = true) =>
        Frame(receiver, (fin ? Fin : 0) | 0x1, Utf8(text));

    public static byte[] Text(WebSocketRole receiver, byte[] payload, bool fin = true) =>
        Frame(receiver, (fin ? Fin : 0) | 0x1, payload);

    public static byte[] Binary(WebSocketRole receiver, byte[] payload, bool fin = true) =>
        Frame(receiver, (fin ? Fin : 0) | 0x2, payload);

    public static byte[] Continuation(WebSocketRole receiver, byte[] payload, bool fin) =>
        Frame(receiver, (fin ? Fin : 0) | 0x0, payload);

    public static byte[] Continuation(WebSocketRole receiver, string text, bool fin) => Continuation(receiver, Utf8(text), fin);

    public static byte[] Ping(WebSocketRole receiver, byte[]? payload = null) => Frame(receiver, Fin | 0x9, payload ?? []);

    public static byte[] Pong(WebSocketRole receiver, byte[]? payload = null) => Frame(receiver, Fin | 0xA, payload ?? []);

    public static byte[] Close(WebSocketRole receiver, int? code = null, string reason = "") =>
        Frame(receiver, Fin | 0x8, ClosePayload(code, Utf8(reason)));

    public static byte[] CloseRaw(WebSocketRole receiver, byte[] body) => Frame(receiver, Fin | 0x8, body);

    public static byte[] ClosePayload(int? code, byte[] reason)
    {
        if (code is null)
        {
            return [];
        }
        byte[] body = new byte[2 + reason.Length];
        BinaryPrimitives.WriteUInt16BigEndian(body, (ushort)code.Value);
        reason.CopyTo(body, 2);
        return body;
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    public static WebSocketRole Other(WebSocketRole role) =>
        role == WebSocketRole.Server ? WebSocketRole.Client : WebSocketRole.Server;

    /// <summary>Decodes the frames an endpoint wrote, unmasking them, for assertions on output.</summary>
    public static List<(int FirstByte, bool Masked, byte[] Payload)> Decode(ReadOnlySpan<byte> bytes)
    {
        var frames = new List<(int, bool, byte[])>();
        int at = 0;
        while (at < bytes.Length)
        {
            int b0 = bytes[at];
            bool masked = (bytes[at + 1] & 0x80) != 0;
            long length = bytes[at + 1] & 0x7F;
            at += 2;
            if (length == 126)
            {
                length = BinaryPrimitives.ReadUInt16BigEndian(bytes[at..]);
                at += 2;
            }
            else if (length == 127)
            {
                length = (long)BinaryPrimitives.ReadUInt64BigEndian(bytes[at..]);
                at += 8;
            }
            byte[] key = masked ? bytes.Slice(at, 4).ToArray() : [0, 0, 0, 0];
            at += masked ? 4 : 0;
            byte[] payload = bytes.Slice(at, (int)length).ToArray();
            for (int i = 0; i < payload.Length; i++)
            {
                payload[i] ^= key[i % 4];
            }
            at += (int)length;
            frames.Add((b0, masked, payload));
        }
        return frames;
    }
}
