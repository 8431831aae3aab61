using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace Ws101.PubSub;

/// <summary>
/// The compact binary form a topic message travels in between nodes. Version 1, big-endian:
/// <code>
/// 0      magic 0xB5
/// 1      version (1)
/// 2      flags: bit 0 = text; bit 1 = positioned; other bits 0
/// 3      reserved, 0
/// 4-19   the publishing node's id (16 bytes)
/// 20-27  the publishing node's sequence number on this topic (1, 2, 3...: a receiver that sees it jump knows what it missed)
/// 28-29  topic length in bytes (1-1024)
/// 30-    when positioned: the position's length in bytes (1 byte, 1-64) and the position (ASCII, "A-B": the message's
///        place in the topic's history, given by the history store as it appended it; see <see cref="WithPosition"/>)
///        then the topic (UTF-8), then the payload (UTF-8 when text) to the end
/// </code>
/// Everything is checked on receipt; a failing envelope is dropped and counted, never delivered.
/// </summary>
internal static class BackplaneEnvelope
{
    /// <summary>The first byte of every envelope.</summary>
    public const byte Magic = 0xB5;

    /// <summary>The version this code writes and reads.</summary>
    public const byte Version = 1;

    /// <summary>The fixed part's size.</summary>
    public const int HeaderLength = 30;

    /// <summary>The longest topic name, in UTF-8 bytes.</summary>
    public const int MaxTopicBytes = 1024;

    /// <summary>The flag of an envelope that carries a position (bit 1 of byte 2).</summary>
    public const byte PositionedFlag = 2;

    /// <summary>The longest position, in bytes.</summary>
    public const int MaxPositionBytes = 64;

    /// <summary>
    /// The envelope with <paramref name="position"/> put in after the header and the positioned flag set: what a history
    /// store publishes once it has appended the message (the Redis store does the same inside Redis, in one step).
    /// </summary>
    /// <exception cref="ArgumentException">The envelope already has a position, is shorter than its header, or the position is not 1-64 ASCII bytes.</exception>
    public static byte[] WithPosition(ReadOnlySpan<byte> envelope, string position)
    {
        ArgumentException.ThrowIfNullOrEmpty(position);
        if (envelope.Length < HeaderLength || (envelope[2] & PositionedFlag) != 0)
        {
            throw new ArgumentException("Not an envelope without a position.", nameof(envelope));
        }
        if (!TopicPosition.TryParse(position, out _))
        {
            throw new ArgumentException($"A position is two unsigned numbers A-B, at most {MaxPositionBytes} characters.", nameof(position));
        }
        var result = new byte[envelope.Length + 1 + position.Length];
        envelope[..HeaderLength].CopyTo(result);
        result[2] |= PositionedFlag;
        result[HeaderLength] = (byte)position.Length;
        Encoding.ASCII.GetBytes(position, result.AsSpan(HeaderLength + 1));
        envelope[HeaderLength..].CopyTo(result.AsSpan(HeaderLength + 1 + position.Length));
        return result;
    }

    /// <summary>Encodes one message.</summary>
    /// <exception cref="ArgumentException">The topic is empty or longer than <see cref="MaxTopicBytes"/>, or the kind is not text or binary.</exception>
    public static byte[] Encode(Guid node, ulong sequence, string topic, WebSocketMessageKind kind, ReadOnlySpan<byte> payload)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        if (kind is not (WebSocketMessageKind.Text or WebSocketMessageKind.Binary))
        {
            throw new ArgumentException("A topic message is text or binary.", nameof(kind));
        }
        int topicBytes = Encoding.UTF8.GetByteCount(topic);
        if (topicBytes > MaxTopicBytes)
        {
            throw new ArgumentException($"A topic is at most {MaxTopicBytes} bytes of UTF-8.", nameof(topic));
        }
        var envelope = new byte[HeaderLength + topicBytes + payload.Length];
        envelope[0] = Magic;
        envelope[1] = Version;
        envelope[2] = kind == WebSocketMessageKind.Text ? (byte)1 : (byte)0;
        node.TryWriteBytes(envelope.AsSpan(4, 16), bigEndian: true, out _);
        BinaryPrimitives.WriteUInt64BigEndian(envelope.AsSpan(20), sequence);
        BinaryPrimitives.WriteUInt16BigEndian(envelope.AsSpan(28), (ushort)topicBytes);
        Encoding.UTF8.GetBytes(topic, envelope.AsSpan(HeaderLength, topicBytes));
        payload.CopyTo(envelope.AsSpan(HeaderLength + topicBytes));
        return envelope;
    }

    /// <summary>
    /// Reads and checks an envelope. False, with <paramref name="problem"/> saying why, when anything is wrong:
    /// too short, wrong magic or version, unknown flags, a topic length out of range or past the end, a topic or a
    /// text payload that is not UTF-8.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> envelope, out BackplaneMessage message, out string? problem)
    {
        message = default;
        problem = envelope.Length < HeaderLength ? $"shorter ({envelope.Length} bytes) than the {HeaderLength}-byte header"
            : envelope[0] != Magic ? $"magic 0x{envelope[0]:X2}, not 0x{Magic:X2}"
            : envelope[1] != Version ? $"version {envelope[1]}, this node reads {Version}"
            : (envelope[2] & ~(1 | PositionedFlag)) != 0 || envelope[3] != 0 ? "unknown flags"
            : null;
        if (problem is not null)
        {
            return false;
        }
        int start = HeaderLength;
        string? position = null;
        if ((envelope[2] & PositionedFlag) != 0)
        {
            int length = envelope.Length > HeaderLength ? envelope[HeaderLength] : 0;
            if (length is 0 or > MaxPositionBytes || HeaderLength + 1 + length > envelope.Length || !Ascii.IsValid(envelope.Slice(HeaderLength + 1, length)))
            {
                problem = $"position length {length} is out of range, or the position is not ASCII, in a {envelope.Length}-byte envelope";
                return false;
            }
            position = Encoding.ASCII.GetString(envelope.Slice(HeaderLength + 1, length));
            if (!TopicPosition.TryParse(position, out _))
            {
                problem = $"the position '{position}' is not two numbers A-B";
                return false;
            }
            start = HeaderLength + 1 + length;
        }
        int topicBytes = BinaryPrimitives.ReadUInt16BigEndian(envelope[28..]);
        if (topicBytes is 0 or > MaxTopicBytes || start + topicBytes > envelope.Length)
        {
            problem = $"topic length {topicBytes} is out of range for a {envelope.Length}-byte envelope";
            return false;
        }
        var topic = envelope.Slice(start, topicBytes);
        var payload = envelope[(start + topicBytes)..];
        bool text = (envelope[2] & 1) != 0;
        if (!Utf8.IsValid(topic))
        {
            problem = "the topic is not UTF-8";
            return false;
        }
        if (text && !Utf8.IsValid(payload))
        {
            problem = "a text payload is not UTF-8";
            return false;
        }
        message = new BackplaneMessage(new Guid(envelope.Slice(4, 16), bigEndian: true), BinaryPrimitives.ReadUInt64BigEndian(envelope[20..]),
            Encoding.UTF8.GetString(topic), text ? WebSocketMessageKind.Text : WebSocketMessageKind.Binary, start + topicBytes, position);
        return true;
    }
}
