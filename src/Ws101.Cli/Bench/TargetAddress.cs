using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Ws101.Cli.Bench;

/// <summary>
/// Where the load goes: the server's address as a ready-made <c>sockaddr</c>, and, for a server on 127.0.0.1, the source
/// addresses the connections rotate through so that a handshake loop does not run out of ephemeral ports.
/// </summary>
internal sealed class TargetAddress
{
    private TargetAddress(IPEndPoint endPoint, byte[][] sources)
    {
        EndPoint = endPoint;
        Family = endPoint.AddressFamily == AddressFamily.InterNetworkV6 ? SocketCalls.AF_INET6 : SocketCalls.AF_INET;
        SocketAddress = Encode(endPoint);
        SourceAddresses = sources;
    }

    /// <summary>The server's address and port.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>AF_INET or AF_INET6.</summary>
    public int Family { get; }

    /// <summary>The server's address as a sockaddr_in or sockaddr_in6.</summary>
    public byte[] SocketAddress { get; }

    /// <summary>Source addresses (sockaddr, port 0) to bind in turn; empty when the kernel picks.</summary>
    public byte[][] SourceAddresses { get; }

    /// <summary>
    /// Resolves the URL's host (the first IPv4 address, else the first IPv6). With <paramref name="sourceAddresses"/> above 0
    /// and a server on 127.0.0.0/8, connections bind 127.0.0.2, 127.0.0.3, ... in turn: each source address has its own
    /// range of ephemeral ports, and a connection closed by the client holds its port in TIME_WAIT for a minute.
    /// </summary>
    /// <exception cref="ArgumentException">The host does not resolve.</exception>
    public static TargetAddress Resolve(Uri url, int sourceAddresses)
    {
        IPAddress address;
        if (!IPAddress.TryParse(url.DnsSafeHost, out address!))
        {
            IPAddress[] all;
            try
            {
                all = Dns.GetHostAddresses(url.DnsSafeHost);
            }
            catch (SocketException ex)
            {
                throw new ArgumentException($"The host '{url.DnsSafeHost}' does not resolve: {ex.Message}", ex);
            }
            address = all.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
                ?? all.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetworkV6)
                ?? throw new ArgumentException($"The host '{url.DnsSafeHost}' has no IPv4 or IPv6 address.");
        }
        var endPoint = new IPEndPoint(address, url.Port);
        var sources = new List<byte[]>();
        if (sourceAddresses > 0 && address.AddressFamily == AddressFamily.InterNetwork && address.GetAddressBytes()[0] == 127)
        {
            for (int i = 0; i < sourceAddresses; i++)
            {
                sources.Add(Encode(new IPEndPoint(new IPAddress([127, 0, 0, (byte)(2 + i)]), 0)));
            }
        }
        return new TargetAddress(endPoint, [.. sources]);
    }

    private static byte[] Encode(IPEndPoint endPoint)
    {
        if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
        {
            // struct sockaddr_in6: family (host order), port (network order), flow info, 16-byte address, scope id.
            var six = new byte[28];
            BinaryPrimitives.WriteUInt16LittleEndian(six, SocketCalls.AF_INET6);
            BinaryPrimitives.WriteUInt16BigEndian(six.AsSpan(2), (ushort)endPoint.Port);
            endPoint.Address.GetAddressBytes().CopyTo(six, 8);
            BinaryPrimitives.WriteUInt32LittleEndian(six.AsSpan(24), (uint)endPoint.Address.ScopeId);
            return six;
        }
        // struct sockaddr_in: family (host order), port (network order), 4-byte address, 8 bytes of zero.
        var four = new byte[16];
        BinaryPrimitives.WriteUInt16LittleEndian(four, SocketCalls.AF_INET);
        BinaryPrimitives.WriteUInt16BigEndian(four.AsSpan(2), (ushort)endPoint.Port);
        endPoint.Address.GetAddressBytes().CopyTo(four, 4);
        return four;
    }
}
