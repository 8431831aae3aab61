using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Ws101.Transport.Linux;

/// <summary>
/// Opens a client's TCP connection straight onto an event loop (<see cref="WebSocketClientOptions.UseEventLoop"/>): a
/// non-blocking socket and connect of our own, the connect's end awaited as the socket's first writable edge on the loop.
/// </summary>
/// <remarks>
/// Why not connect a <see cref="Socket"/> and take its descriptor: an asynchronous connect registers the descriptor with
/// .NET's own epoll engine, which keeps watching it until the descriptor is closed, so every message of the connection
/// would wake that engine's thread as well as the loop.
/// </remarks>
internal static class EpollConnector
{
    // Made with the first connection that asks, and only once it succeeds: a group that could not be made (no descriptor
    // left for its epoll sets) is tried again by the next connect, not remembered as a failure for the process's life.
    private static EventLoopGroup? s_loops;
    private static readonly Lock s_making = new();

    private static EventLoopGroup Loops()
    {
        if (Volatile.Read(ref s_loops) is { } loops)
        {
            return loops;
        }
        lock (s_making)
        {
            return s_loops ??= new EventLoopGroup(Environment.ProcessorCount);
        }
    }

    /// <summary>Connects to <paramref name="endPoint"/>; the transport is registered with one of the client loops.</summary>
    /// <exception cref="SocketException">The connect failed (refused, unreachable, ...), as the kernel reported it.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first; the socket is closed.</exception>
    public static async Task<EpollSocketTransport> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        int fd = Open(endPoint);
        EpollSocketTransport transport;
        try
        {
            transport = new EpollSocketTransport(fd, PeerAddress.Of(endPoint), Loops().Next());
        }
        catch
        {
            Libc.close(fd);
            throw;
        }
        try
        {
            await transport.WaitConnectedAsync(cancellationToken).ConfigureAwait(false);
            int error = PendingError(fd);
            if (error != 0)
            {
                throw Failure(error);
            }
            return transport;
        }
        catch
        {
            transport.Abort();
            throw;
        }
    }

    private static unsafe int Open(IPEndPoint endPoint)
    {
        // The address first: nothing to close if it cannot be written.
        Span<byte> native = stackalloc byte[NativeSocketAddress.MaxLength];
        int length = NativeSocketAddress.Write(endPoint, native);
        int family = endPoint.AddressFamily == AddressFamily.InterNetworkV6 ? Libc.AF_INET6 : Libc.AF_INET;
        int fd = Libc.socket(family, Libc.SOCK_STREAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, Libc.IPPROTO_TCP);
        if (fd < 0)
        {
            throw Failure(Marshal.GetLastPInvokeError());
        }
        // Each message goes out when sent, as the server's sockets do (WebSocket frames are whole writes already).
        int one = 1;
        Libc.setsockopt(fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, &one, sizeof(int));
        int rc;
        fixed (byte* p = native)
        {
            rc = Libc.connect(fd, p, (uint)length);
        }
        int errno = rc == 0 ? 0 : Marshal.GetLastPInvokeError();
        if (rc != 0 && errno != Libc.EINPROGRESS)
        {
            Libc.close(fd);
            throw Failure(errno);
        }
        return fd;
    }

    private static unsafe int PendingError(int fd)
    {
        int error = 0;
        uint length = sizeof(int);
        return Libc.getsockopt(fd, Libc.SOL_SOCKET, Libc.SO_ERROR, &error, &length) == 0 ? error : Marshal.GetLastPInvokeError();
    }

    /// <summary>The errno as the <see cref="SocketError"/> a <see cref="Socket"/> would have reported, so callers read both alike.</summary>
    private static SocketException Failure(int errno) => new((int)(errno switch
    {
        111 => SocketError.ConnectionRefused,
        110 => SocketError.TimedOut,
        113 => SocketError.HostUnreachable,
        101 => SocketError.NetworkUnreachable,
        104 => SocketError.ConnectionReset,
        99 => SocketError.AddressNotAvailable,
        97 => SocketError.AddressFamilyNotSupported,
        13 or 1 => SocketError.AccessDenied,
        24 or 23 => SocketError.TooManyOpenSockets,
        105 or 12 => SocketError.NoBufferSpaceAvailable,
        _ => SocketError.SocketError,
    }));
}
