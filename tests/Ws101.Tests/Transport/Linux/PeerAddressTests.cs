using System.Net;
using Ws101.Transport.Linux;

namespace Ws101.Tests.Transport.Linux;

/// <summary>The peer's address as an idle connection keeps it (PeerAddress): a packed IPv4 address, or the endpoint.</summary>
public class PeerAddressTests
{
    [Fact]
    public void an_ipv4_sockaddr_comes_back_as_its_address_and_port()
    {
        var address = PeerAddress.FromNative(SockaddrIn("203.0.113.7", 50123));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.7"), 50123), address.ToEndPoint());
    }

    [Fact]
    public void an_ipv6_sockaddr_keeps_its_endpoint()
    {
        // sockaddr_in6: family 10, port 443, flow info 0, ::1, scope 0.
        byte[] sockaddr = new byte[28];
        BitConverter.TryWriteBytes(sockaddr.AsSpan(0, 2), (ushort)10);
        sockaddr[2] = 443 >> 8;
        sockaddr[3] = 443 & 0xFF;
        IPAddress.IPv6Loopback.GetAddressBytes().CopyTo(sockaddr, 8);
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 443), PeerAddress.FromNative(sockaddr).ToEndPoint());
    }

    [Fact]
    public void an_unknown_family_a_short_buffer_and_nothing_are_no_address()
    {
        Assert.Null(PeerAddress.FromNative(new byte[16]).ToEndPoint());
        Assert.Null(PeerAddress.FromNative(new byte[3]).ToEndPoint());
        Assert.Null(default(PeerAddress).ToEndPoint());
        Assert.Null(PeerAddress.Of(null).ToEndPoint());
    }

    [Fact]
    public void the_lowest_and_highest_ipv4_addresses_and_ports_survive_the_packing()
    {
        foreach (var (ip, port) in new[] { ("0.0.0.0", 0), ("255.255.255.255", 65535), ("127.0.0.1", 1) })
        {
            Assert.Equal(new IPEndPoint(IPAddress.Parse(ip), port), PeerAddress.FromNative(SockaddrIn(ip, port)).ToEndPoint());
        }
    }

    /// <summary>A sockaddr_in as accept4 fills it: family AF_INET (host order), the port (network order), the address, zero padding.</summary>
    private static byte[] SockaddrIn(string ip, int port)
    {
        byte[] sockaddr = new byte[16];
        BitConverter.TryWriteBytes(sockaddr.AsSpan(0, 2), (ushort)2);
        sockaddr[2] = (byte)(port >> 8);
        sockaddr[3] = (byte)port;
        IPAddress.Parse(ip).GetAddressBytes().CopyTo(sockaddr, 4);
        return sockaddr;
    }
}
