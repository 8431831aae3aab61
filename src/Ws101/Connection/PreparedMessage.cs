using System.Buffers;
using System.Text;
using System.Text.Unicode;
using Ws101.Protocol;

namespace Ws101;

// With the connection: a connection sends it (SendPreparedAsync), and topics, above the connection, queue it. The
// namespace stays until the public API is reshaped.

/// <summary>
/// A whole text or binary message framed once, as a server sends it (header and payload, unmasked: RFC 6455 §5.1,
/// "a server MUST NOT mask any frames"), so that the same bytes can be written to any number of connections.
/// The bytes live in one pooled array shared by reference count: each queued delivery holds a reference, and the
/// array goes back to the pool when the last one is released.
/// </summary>
/// <remarks>
/// Dispose the message once you no longer need it; deliveries still queued keep the bytes alive until written.
/// Only server connections can send it (a client must mask every frame with its own key).
/// </remarks>
public sealed partial class PreparedMessage : IDisposable
{
    private byte[]? _buffer;
    private readonly int _length;
    private int _references = 1;

    private PreparedMessage(byte[] buffer, int length, WebSocketMessageKind kind, int payloadLength)
    {
        _buffer = buffer;
        _length = length;
        Kind = kind;
        PayloadLength = payloadLength;
    }

    /// <summary>Text or binary.</summary>
    public WebSocketMessageKind Kind { get; }

    /// <summary>The payload's size in bytes.</summary>
    public int PayloadLength { get; }

    /// <summary>The frame's size on the wire (header and payload).</summary>
    public int FrameLength => _length;

    /// <summary>The frame's bytes, header included. Valid until the last reference is released.</summary>
    /// <exception cref="ObjectDisposedException">Every reference was released.</exception>
    public ReadOnlyMemory<byte> Frame => (_buffer ?? throw new ObjectDisposedException(nameof(PreparedMessage))).AsMemory(0, _length);

    /// <summary>The payload's bytes (the end of <see cref="Frame"/>).</summary>
    public ReadOnlyMemory<byte> Payload => Frame[(_length - PayloadLength)..];

    /// <summary>Frames a text message; unpaired surrogates become U+FFFD, so the payload is valid UTF-8.</summary>
    public static PreparedMessage CreateText(ReadOnlySpan<char> text)
    {
        int payload = Encoding.UTF8.GetByteCount(text);
        var (buffer, offset) = Rent(Opcode.Text, payload);
        Encoding.UTF8.GetBytes(text, buffer.AsSpan(offset, payload));
        return new PreparedMessage(buffer, offset + payload, WebSocketMessageKind.Text, payload);
    }

    /// <summary>Frames a message of <paramref name="kind"/> from its payload.</summary>
    /// <exception cref="ArgumentException">A text payload is not valid UTF-8 (RFC 6455 §8.1), or the kind is not text or binary.</exception>
    public static PreparedMessage Create(ReadOnlySpan<byte> payload, WebSocketMessageKind kind = WebSocketMessageKind.Binary)
    {
        if (kind is not (WebSocketMessageKind.Text or WebSocketMessageKind.Binary))
        {
            throw new ArgumentException("A prepared message is text or binary.", nameof(kind));
        }
        if (kind == WebSocketMessageKind.Text && !Utf8.IsValid(payload))
        {
            throw new ArgumentException("A text message's payload must be valid UTF-8 (RFC 6455 §8.1).", nameof(payload));
        }
        var (buffer, offset) = Rent(kind == WebSocketMessageKind.Text ? Opcode.Text : Opcode.Binary, payload.Length);
        payload.CopyTo(buffer.AsSpan(offset));
        return new PreparedMessage(buffer, offset + payload.Length, kind, payload.Length);
    }

    private static (byte[] Buffer, int Offset) Rent(Opcode opcode, int payloadLength)
    {
        var header = new FrameHeader(true, opcode, payloadLength);
        var buffer = ArrayPool<byte>.Shared.Rent(header.Length + payloadLength);
        header.TryWrite(buffer, out int written);
        return (buffer, written);
    }

    /// <summary>Takes one more reference; false when the bytes are already gone.</summary>
    internal bool TryAddReference()
    {
        while (true)
        {
            int current = Volatile.Read(ref _references);
            if (current <= 0)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>Releases one reference; the last one returns the bytes to the pool.</summary>
    internal void Release()
    {
        int left = Interlocked.Decrement(ref _references);
        if (left == 0 && Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            ReleaseDeflated();
        }
    }

    /// <summary>References held now (the creator's included until disposed); for tests and diagnostics.</summary>
    internal int ReferenceCount => Volatile.Read(ref _references);

    /// <summary>Releases the creator's reference. Deliveries still queued keep the bytes until they are written.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Release();
        }
    }

    private int _disposed;
}
