using System.Buffers.Binary;
using System.Net;

namespace Ws101.Transport.Linux;

/// <summary>Reads the Linux sockaddr_in / sockaddr_in6 that accept4 and getsockname fill in.</summary>
internal static class NativeSocketAddress
{
    /// <summary>The size of sockaddr_in6, the larger of the two.</summary>
    public const int MaxLength = 28;

    /// <summary>The address as an <see cref="IPEndPoint"/>, or null for a family other than IPv4 and IPv6 or a short buffer.</summary>
    public static IPEndPoint? ToEndPoint(ReadOnlySpan<byte> address)
    {
        if (address.Length < 16)
        {
            return null;
        }
        // sa_family is in host order; sin_port / sin6_port in network order.
        int family = BitConverter.ToUInt16(address);
        int port = BinaryPrimitives.ReadUInt16BigEndian(address[2..]);
        if (family == Libc.AF_INET)
        {
            return new IPEndPoint(new IPAddress(address.Slice(4, 4)), port);
        }
        if (family == Libc.AF_INET6 && address.Length >= MaxLength)
        {
            uint scope = BitConverter.ToUInt32(address[24..]);
            return new IPEndPoint(new IPAddress(address.Slice(8, 16), scope), port);
        }
        return null;
    }
}
