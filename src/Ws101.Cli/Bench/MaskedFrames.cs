using System.Buffers.Binary;
using System.Security.Cryptography;
using Ws101.Protocol;

namespace Ws101.Cli.Bench;

/// <summary>
/// Client frames built with the library's framing (<see cref="FrameHeader"/>, <see cref="FrameMask"/>): the fixed echo
/// message, built once per masking key so that a message costs one send and no work, and the rare control frames.
/// </summary>
internal static class MaskedFrames
{
    /// <summary>
    /// How many differently masked copies of the fixed message are built. RFC 6455 §5.3: "The masking key is a 32-bit value
    /// chosen at random by the client"; §10.3 wants it unpredictable so that script-chosen bytes cannot be aimed at a proxy.
    /// The payload here is the bench's own pattern, not chosen by anyone else, so rotating a few random keys keeps the
    /// frames honest without masking each message anew.
    /// </summary>
    public const int Variants = 8;

    /// <summary>The payload every echo message carries: printable ASCII for text (valid UTF-8), a byte pattern for binary.</summary>
    public static byte[] Payload(int size, bool text)
    {
        var payload = new byte[size];
        for (int i = 0; i < size; i++)
        {
            payload[i] = text ? (byte)('a' + (i % 26)) : (byte)((i * 131 + 7) & 0xFF);
        }
        return payload;
    }

    /// <summary>The payload framed as one masked message, once per masking key.</summary>
    public static byte[][] Message(ReadOnlySpan<byte> payload, bool text)
    {
        var frames = new byte[Variants][];
        for (int i = 0; i < Variants; i++)
        {
            frames[i] = Build(text ? Opcode.Text : Opcode.Binary, payload, RandomKey());
        }
        return frames;
    }

    /// <summary>A masked close frame with <paramref name="code"/> and no reason (RFC 6455 §5.5.1).</summary>
    public static byte[] Close(ushort code)
    {
        Span<byte> body = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(body, code);
        return Build(Opcode.Close, body, RandomKey());
    }

    /// <summary>A masked pong carrying the ping's payload (RFC 6455 §5.5.3: "the Application data as found in the message body of the Ping frame").</summary>
    public static byte[] Pong(ReadOnlySpan<byte> pingPayload) => Build(Opcode.Pong, pingPayload, RandomKey());

    /// <summary>Writes a masked frame for a payload that changes per message (fanout) into <paramref name="destination"/>; returns its length.</summary>
    public static int Write(Span<byte> destination, Opcode opcode, ReadOnlySpan<byte> payload, uint key)
    {
        var header = new FrameHeader(fin: true, opcode, payload.Length, isMasked: true, key);
        header.TryWrite(destination, out int written);
        payload.CopyTo(destination[written..]);
        FrameMask.Apply(destination.Slice(written, payload.Length), key, 0);
        return written + payload.Length;
    }

    /// <summary>A fresh masking key.</summary>
    public static uint RandomKey()
    {
        Span<byte> key = stackalloc byte[4];
        RandomNumberGenerator.Fill(key);
        return FrameMask.ReadKey(key);
    }

    private static byte[] Build(Opcode opcode, ReadOnlySpan<byte> payload, uint key)
    {
        var frame = new byte[FrameHeader.GetLength(payload.Length, isMasked: true) + payload.Length];
        Write(frame, opcode, payload, key);
        return frame;
    }
}
