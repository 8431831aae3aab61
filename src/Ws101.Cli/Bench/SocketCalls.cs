using System.Runtime.InteropServices;

namespace Ws101.Cli.Bench;

/// <summary>
/// The Linux socket calls the load loop needs beyond the library's epoll, recv and send (<c>Ws101.Transport.Linux.Libc</c>):
/// creating, binding and connecting non-blocking sockets without an exception per connect, and the file-descriptor limit.
/// </summary>
internal static unsafe partial class SocketCalls
{
    public const int AF_INET = 2;
    public const int AF_INET6 = 10;
    public const int SOCK_STREAM = 1;
    public const int SOCK_NONBLOCK = 0x800;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1;
    public const int SO_ERROR = 4;
    public const int IPPROTO_IP = 0;
    public const int IPPROTO_TCP = 6;
    public const int TCP_NODELAY = 1;
    public const int IP_BIND_ADDRESS_NO_PORT = 24;
    public const int EINPROGRESS = 115;
    public const int EPOLL_CTL_MOD = 3;
    public const int RLIMIT_NOFILE = 7;

    /// <summary>struct rlimit.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int connect(int fd, byte* address, int length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int bind(int fd, byte* address, int length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsockopt(int fd, int level, int name, int* value, int length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getsockopt(int fd, int level, int name, int* value, int* length);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getrlimit(int resource, RLimit* limit);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setrlimit(int resource, RLimit* limit);
}
