using System.Net;
using System.Net.Sockets;

namespace Ws101.Interop.Harness;

/// <summary>Finds TCP ports on 127.0.0.1 for servers that cannot bind port 0 and report back.</summary>
/// <remarks>
/// Prefer letting a server bind port 0 and reading the port it got (every fixture here does): a port
/// returned by <see cref="GetFree"/> is free only at the moment it is returned, so another process
/// may take it before the caller binds it.
/// </remarks>
public static class LoopbackPort
{
    /// <summary>Returns a TCP port on 127.0.0.1 that was free a moment ago.</summary>
    public static int GetFree()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
