using System.Net;
using System.Net.Sockets;

namespace Ws101.Server;

/// <summary>
/// Opens the server's listening sockets: bound, listening, with exactly the address-reuse options asked for.
/// </summary>
/// <remarks>
/// .NET's <see cref="SocketOptionName.ReuseAddress"/> sets SO_REUSEPORT as well as SO_REUSEADDR on Linux and macOS, so
/// a second server started on a port already in use would bind it silently and take part of the first one's clients.
/// The options are therefore set as the raw ones: SO_REUSEADDR always on Unix (a restarted server binds at once although
/// connections of the last run linger in TIME_WAIT), SO_REUSEPORT only when <see cref="WebSocketServerOptions.ReusePort"/>
/// asks for it. Windows's SO_REUSEADDR means something else (it lets another socket take the port), so it is left off there.
/// </remarks>
internal static class ListeningSocket
{
    private const int LinuxSolSocket = 1;
    private const int LinuxSoReuseAddr = 2;
    private const int LinuxSoReusePort = 15;
    private const int BsdSolSocket = 0xffff;
    private const int BsdSoReuseAddr = 0x4;
    private const int BsdSoReusePort = 0x200;

    /// <summary>Whether SO_REUSEPORT can be set here: Linux (which spreads connections over the sockets) and macOS/BSD (which does not).</summary>
    public static bool ReusePortSupported => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD();

    /// <summary>A socket bound to <paramref name="endPoint"/> and listening with <paramref name="backlog"/>.</summary>
    /// <exception cref="SocketException">The address could not be bound: in use (without SO_REUSEPORT on both sides), or not local.</exception>
    public static Socket Open(IPEndPoint endPoint, int backlog, bool reusePort)
    {
        if (reusePort && !ReusePortSupported)
        {
            throw new PlatformNotSupportedException("ReusePort needs SO_REUSEPORT (Linux, macOS or FreeBSD).");
        }
        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                listener.DualMode = true;
            }
            bool linux = OperatingSystem.IsLinux();
            if (!OperatingSystem.IsWindows())
            {
                listener.SetRawSocketOption(linux ? LinuxSolSocket : BsdSolSocket, linux ? LinuxSoReuseAddr : BsdSoReuseAddr, On);
            }
            if (reusePort)
            {
                listener.SetRawSocketOption(linux ? LinuxSolSocket : BsdSolSocket, linux ? LinuxSoReusePort : BsdSoReusePort, On);
            }
            listener.Bind(endPoint);
            listener.Listen(backlog);
            return listener;
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    /// <summary>An int 1, as setsockopt takes a boolean option.</summary>
    private static ReadOnlySpan<byte> On => BitConverter.IsLittleEndian ? [1, 0, 0, 0] : [0, 0, 0, 1];
}
