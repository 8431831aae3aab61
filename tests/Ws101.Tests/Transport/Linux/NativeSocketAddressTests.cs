using System.Buffers.Binary;
using System.Net;
using Ws101.Transport.Linux;

namespace Ws101.Tests.Transport.Linux;

/// <summary>
/// The sockaddr a client's connect on the event loop passes to the kernel (EpollConnector): sockaddr_in for IPv4 and
/// sockaddr_in6 for IPv6, the family in host order and the port in network order, read back to the same end point.
/// </summary>
public class NativeSocketAddressTests
{
    [Theory]
    [InlineData("127.0.0.1", 8080, 16)]
    [InlineData("10.1.2.3", 65535, 16)]
    [InlineData("::1", 443, 28)]
    [InlineData("fe80::1%7", 9001, 28)]
    public void an_ipv4_or_ipv6_end_point_is_written_as_the_kernels_sockaddr_and_reads_back_the_same(string address, int port, int length)
    {
        var endPoint = new IPEndPoint(IPAddress.Parse(address), port);
        Span<byte> native = stackalloc byte[NativeSocketAddress.MaxLength];
        native.Fill(0xAA);

        Assert.Equal(length, NativeSocketAddress.Write(endPoint, native));
        Assert.Equal(length == 16 ? Libc.AF_INET : Libc.AF_INET6, BitConverter.ToUInt16(native));
        Assert.Equal(port, BinaryPrimitives.ReadUInt16BigEndian(native[2..]));
        Assert.Equal(endPoint, NativeSocketAddress.ToEndPoint(native[..length]));
        // Nothing of what was there before is left in the parts the kernel reads (sin_zero, sin6_flowinfo).
        Assert.DoesNotContain((byte)0xAA, native[..length].ToArray());
    }
}
