using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace Ws101.PubSub;

/// <summary>
/// The compact binary form a topic message travels in between nodes. Version 1, big-endian:
/// <code>
/// 0      magic 0xB5
/// 1      version (1)
/// 2      flags: bit 0 = text; other bits 0
/// 3      reserved, 0
/// 4-19   the publishing node's id (16 bytes)
/// 20-27  the publishing node's sequence number on this topic (1, 2, 3...: a receiver that sees it jump knows what it missed)
/// 28-29  topic length in bytes (1-1024)
/// 30-    topic (UTF-8), then the payload (UTF-8 when text) to the end
/// </code>
/// Everything is checked on receipt; a failing envelope is dropped and counted, never delivered.
/// </summary>
public static class BackplaneEnvelope
{
    /// <summary>The first byte of every envelope.</summary>
    public const byte Magic = 0xB5;

    /// <summary>The version this code writes and reads.</summary>
    public const byte Version = 1;

    /// <summary>The fixed part's size.</summary>
    public const int HeaderLength = 30;

    /// <summary>The longest topic name, in UTF-8 bytes.</summary>
    public const int MaxTopicBytes = 1024;

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
            : (envelope[2] & ~1) != 0 || envelope[3] != 0 ? "unknown flags"
            : null;
        if (problem is not null)
        {
            return false;
        }
        int topicBytes = BinaryPrimitives.ReadUInt16BigEndian(envelope[28..]);
        if (topicBytes is 0 or > MaxTopicBytes || HeaderLength + topicBytes > envelope.Length)
        {
            problem = $"topic length {topicBytes} is out of range for a {envelope.Length}-byte envelope";
            return false;
        }
        var topic = envelope.Slice(HeaderLength, topicBytes);
        var payload = envelope[(HeaderLength + topicBytes)..];
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
            Encoding.UTF8.GetString(topic), text ? WebSocketMessageKind.Text : WebSocketMessageKind.Binary, HeaderLength + topicBytes);
        return true;
    }
}
