using System.Runtime.InteropServices;

namespace Ws101.Transport.Linux;

/// <summary>
/// The few Linux system calls the event loop needs (epoll, eventfd, accept4, non-blocking recv/send/sendmsg, and the socket
/// calls that close a connection), and the descriptor limit the server sizes itself by.
/// </summary>
internal static unsafe partial class Libc
{
    public const int EAGAIN = 11;
    public const int EINTR = 4;
    public const int EBADF = 9;
    public const int EINVAL = 22;
    public const int ECONNABORTED = 103;
    public const int EMFILE = 24;
    public const int ENFILE = 23;
    public const int ENOBUFS = 105;
    public const int ENOMEM = 12;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int SOCK_STREAM = 1;
    public const int SOCK_NONBLOCK = 0x800;
    public const int EINPROGRESS = 115;
    public const int SO_ERROR = 4;
    public const int SOL_SOCKET = 1;
    public const int SO_LINGER = 13;
    public const int IPPROTO_TCP = 6;
    public const int TCP_NODELAY = 1;
    public const int SHUT_WR = 1;
    public const int AF_INET = 2;
    public const int AF_INET6 = 10;
    public const short POLLIN = 0x001;
    public const uint EPOLLEXCLUSIVE = 1u << 28;
    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const uint EPOLLIN = 0x001;
    public const uint EPOLLOUT = 0x004;
    public const uint EPOLLERR = 0x008;
    public const uint EPOLLHUP = 0x010;
    public const uint EPOLLRDHUP = 0x2000;
    public const uint EPOLLET = 1u << 31;
    public const int EFD_NONBLOCK = 0x800;
    public const int EFD_CLOEXEC = 0x80000;
    public const int MSG_PEEK = 0x2;
    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_NOSIGNAL = 0x4000;
    public const int RLIMIT_NOFILE = 7;
    public const ulong RLIM_INFINITY = ulong.MaxValue;

    /// <summary>struct epoll_event; packed on x86-64, which is the only architecture this loop is enabled on.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    /// <summary>struct iovec: one piece of a vectored send.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public byte* Base;
        public nint Length;
    }

    /// <summary>struct msghdr on 64-bit Linux, for sendmsg with no address and no control data.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nint IovLength;
        public void* Control;
        public nint ControlLength;
        public int Flags;
    }

    /// <summary>struct linger: SO_LINGER on with a zero timeout makes close() reset the connection.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Linger
    {
        public int OnOff;
        public int Seconds;
    }

    /// <summary>struct rlimit on 64-bit Linux: the soft limit (the one enforced) and the hard limit (the most the soft one may be raised to).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    // The calls made for every message (recv, send, sendmsg, epoll_wait) do not save errno for Marshal.GetLastPInvokeError:
    // a failure reads it with Marshal.GetLastSystemError right after the call, as the code that saves it would. Saving costs
    // three more calls each time (clearing errno before, reading it and storing it thread-locally after), paid on every
    // success to serve the rare failure: 0-30 ns of a 1.7 µs send or receive on a socket pair here (SocketCallBenchmarks),
    // and in the server's profile the thread-local lookups it made were 0.5-1.6 % of a 20 B echo's samples.

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getrlimit(int resource, RLimit* limit);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_ctl(int epfd, int op, int fd, EpollEvent* ev);

    /// <summary>Without SetLastError: read errno with Marshal.GetLastSystemError right after a failure (see above).</summary>
    [LibraryImport("libc")]
    public static partial int epoll_wait(int epfd, EpollEvent* events, int maxevents, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int eventfd(uint initval, int flags);

    /// <summary>Without SetLastError: read errno with Marshal.GetLastSystemError right after a failure (see above).</summary>
    [LibraryImport("libc")]
    public static partial nint recv(int fd, byte* buf, nint len, int flags);

    /// <summary>Without SetLastError: read errno with Marshal.GetLastSystemError right after a failure (see above).</summary>
    [LibraryImport("libc")]
    public static partial nint send(int fd, byte* buf, nint len, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(int fd, byte* buf, nint len);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint read(int fd, byte* buf, nint len);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int accept4(int fd, byte* address, uint* addressLength, int flags);

    /// <summary>Without SetLastError: read errno with Marshal.GetLastSystemError right after a failure (see above).</summary>
    [LibraryImport("libc")]
    public static partial nint sendmsg(int fd, MsgHdr* message, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsockopt(int fd, int level, int name, void* value, uint length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int shutdown(int fd, int how);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getsockname(int fd, byte* address, uint* addressLength);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int connect(int fd, byte* address, uint addressLength);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getsockopt(int fd, int level, int name, void* value, uint* length);

    /// <summary>struct pollfd.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint nfds, int timeout);
}
