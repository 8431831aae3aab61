using System.Net;

namespace Ws101.Transport.Linux;

/// <summary>
/// The peer's address as accept4 reported it, kept in a few bytes by the connection: an IPv4 address and port packed in a
/// long, made into an <see cref="IPEndPoint"/> only when asked (a log line, an upgrade decision, the end of a session). Any
/// other address keeps its <see cref="EndPoint"/>.
/// </summary>
/// <remarks>
/// Why: an <see cref="IPEndPoint"/> with its <see cref="IPAddress"/> is 72 bytes that every idle connection held for an
/// address that is read two or three times in its life.
/// </remarks>
internal readonly struct PeerAddress
{
    // Bits 0-31: the IPv4 address in the byte order IPAddress(long) takes; bits 32-47: the port; bit 48: present.
    private readonly long _v4;
    private readonly EndPoint? _other;

    private PeerAddress(long v4, EndPoint? other)
    {
        _v4 = v4;
        _other = other;
    }

    /// <summary>From a sockaddr_in or sockaddr_in6; none for another family or a short buffer.</summary>
    public static PeerAddress FromNative(ReadOnlySpan<byte> address)
    {
        if (address.Length >= 8 && BitConverter.ToUInt16(address) == Libc.AF_INET)
        {
            // sin_port is in network order; sin_addr's bytes, read in memory order, are what IPAddress(long) expects.
            long port = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(address[2..]);
            return new(1L << 48 | port << 32 | BitConverter.ToUInt32(address[4..]), null);
        }
        return new(0, NativeSocketAddress.ToEndPoint(address));
    }

    /// <summary>An address already made (a test's, say).</summary>
    public static PeerAddress Of(EndPoint? endPoint) => new(0, endPoint);

    /// <summary>A new <see cref="IPEndPoint"/> for an IPv4 peer, the kept one otherwise, or null when none is known.</summary>
    public EndPoint? ToEndPoint() =>
        _other ?? (_v4 == 0 ? null : new IPEndPoint(new IPAddress(_v4 & 0xFFFF_FFFF), (int)(_v4 >> 32) & 0xFFFF));
}
