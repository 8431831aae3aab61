using System.Buffers.Binary;
using System.Net;

namespace Ws101.Transport.Linux;

/// <summary>Reads the Linux sockaddr_in / sockaddr_in6 that accept4 and getsockname fill in, and writes them for connect.</summary>
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

    /// <summary>
    /// Writes <paramref name="endPoint"/> as a sockaddr_in (IPv4) or sockaddr_in6 into <paramref name="address"/>
    /// (<see cref="MaxLength"/> bytes at least) and returns its length.
    /// </summary>
    /// <exception cref="ArgumentException">The address is neither IPv4 nor IPv6.</exception>
    public static int Write(IPEndPoint endPoint, Span<byte> address)
    {
        address[..MaxLength].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(address[2..], (ushort)endPoint.Port);
        if (endPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            BitConverter.TryWriteBytes(address, (ushort)Libc.AF_INET);
            endPoint.Address.TryWriteBytes(address.Slice(4, 4), out _);
            return 16;
        }
        if (endPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            // sin6_flowinfo (bytes 4-7) stays 0; sin6_scope_id in host order.
            BitConverter.TryWriteBytes(address, (ushort)Libc.AF_INET6);
            endPoint.Address.TryWriteBytes(address.Slice(8, 16), out _);
            BitConverter.TryWriteBytes(address[24..], (uint)endPoint.Address.ScopeId);
            return MaxLength;
        }
        throw new ArgumentException($"Only IPv4 and IPv6 addresses can be connected to, not {endPoint.AddressFamily}.", nameof(endPoint));
    }
}