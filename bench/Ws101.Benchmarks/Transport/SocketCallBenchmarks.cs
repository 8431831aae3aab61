using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Ws101.Transport.Linux;

namespace Ws101.Benchmarks.Transport;

/// <summary>
/// What the way a socket call is declared and placed adds to the call itself: a 20-byte send and the receive of it on a
/// Unix socket pair, non-blocking, as the event loop's transport makes them for each message. The anchor is ws101's own
/// declaration (<see cref="Libc.send"/> and <see cref="Libc.recv"/>: errno not saved, the call site outside any try
/// region); beside it the same calls declared to save errno (<c>SetLastError = true</c>, as they were before), and the
/// same calls made inside a try region, where the JIT does not compile a P/Invoke inline on 64-bit but calls a stub.
/// Linux only. The time is per call (a send or a receive).
/// </summary>
public unsafe partial class SocketCallBenchmarks
{
    private const int Pairs = 64;
    private const int Payload = 20;
    private int _a = -1;
    private int _b = -1;
    private byte* _buffer;

    [GlobalSetup]
    public void Setup()
    {
        int* pair = stackalloc int[2];
        if (socketpair(1 /* AF_UNIX */, 1 /* SOCK_STREAM */, 0, pair) != 0)
        {
            throw new InvalidOperationException($"socketpair failed (errno {Marshal.GetLastSystemError()}).");
        }
        (_a, _b) = (pair[0], pair[1]);
        _buffer = (byte*)NativeMemory.AllocZeroed(64);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Libc.close(_a);
        Libc.close(_b);
        NativeMemory.Free(_buffer);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = 2 * Pairs, Description = "as ws101 makes them (errno read only after a failure)")]
    public long AsDeclared()
    {
        long total = 0;
        for (int i = 0; i < Pairs; i++)
        {
            nint sent = Libc.send(_a, _buffer, Payload, Libc.MSG_NOSIGNAL | Libc.MSG_DONTWAIT);
            nint received = Libc.recv(_b, _buffer, 64, Libc.MSG_DONTWAIT);
            total += Check(sent, received, received < 0 ? Marshal.GetLastSystemError() : 0);
        }
        return total;
    }

    [Benchmark(OperationsPerInvoke = 2 * Pairs, Description = "errno saved after every call (SetLastError = true)")]
    public long SavingErrno()
    {
        long total = 0;
        for (int i = 0; i < Pairs; i++)
        {
            nint sent = send_saving_errno(_a, _buffer, Payload, Libc.MSG_NOSIGNAL | Libc.MSG_DONTWAIT);
            nint received = recv_saving_errno(_b, _buffer, 64, Libc.MSG_DONTWAIT);
            total += Check(sent, received, Marshal.GetLastPInvokeError());
        }
        return total;
    }

    [Benchmark(OperationsPerInvoke = 2 * Pairs, Description = "inside a try region (a stub per call)")]
    public long InsideTry()
    {
        long total = 0;
        for (int i = 0; i < Pairs; i++)
        {
            try
            {
                nint sent = Libc.send(_a, _buffer, Payload, Libc.MSG_NOSIGNAL | Libc.MSG_DONTWAIT);
                nint received = Libc.recv(_b, _buffer, 64, Libc.MSG_DONTWAIT);
                total += Check(sent, received, received < 0 ? Marshal.GetLastSystemError() : 0);
            }
            catch (IOException)
            {
                throw;
            }
        }
        return total;
    }

    /// <summary>A pair that did not move the 20 bytes measured nothing: fail the benchmark rather than report it.</summary>
    private static long Check(nint sent, nint received, int errno) => sent == Payload && received == Payload
        ? received
        : throw new IOException($"send returned {sent}, recv {received} (errno {errno}); expected {Payload} each.");

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socketpair(int domain, int type, int protocol, int* pair);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static partial nint send_saving_errno(int fd, byte* buf, nint len, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static partial nint recv_saving_errno(int fd, byte* buf, nint len, int flags);
}
