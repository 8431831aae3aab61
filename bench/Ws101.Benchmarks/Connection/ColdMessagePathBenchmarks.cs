using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Ws101.Transport.Linux;

namespace Ws101.Benchmarks.Connection;

/// <summary>
/// The managed echo path as the server runs it: after the kernel's TCP path has run on the same core. In the server each
/// message's managed work starts right after a recv and a send went through the kernel's TCP stack, which leaves the core's
/// first-level caches (and, with page-table isolation and no PCID, its TLB) holding the kernel's lines, not ws101's; there
/// the path costs about four times what <see cref="MessagePathBenchmarks"/> measures with warm caches (docs/performance.md,
/// session 18). Here every message is preceded by a real round trip of a frame-sized payload over a loopback TCP connection
/// (a send and a recv on each end, the same kernel code the server's messages go through), and the baseline is that round
/// trip alone: the difference is the managed path's cost in the server's conditions, measured on one core without the
/// drift of a two-process bench. The time is per message.
/// </summary>
public class ColdMessagePathBenchmarks
{
    private const int Messages = 32;
    private ReadyFramesTransport _transport = null!;
    private Socket _listener = null!;
    private Socket _a = null!;
    private Socket _b = null!;
    private byte[] _wire = [];
    private byte[] _sink = [];

    /// <summary>Payload bytes per message.</summary>
    [Params(20, 1024)]
    public int Payload { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _wire = MessagePathBenchmarks.ClientFrame(Payload);
        _sink = new byte[_wire.Length];
        _transport = MessagePathBenchmarks.StartEcho(_wire);

        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(1);
        _a = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _a.Connect(_listener.LocalEndPoint!);
        _b = _listener.Accept();
        _b.NoDelay = true;
        KernelOnly();
        long before = _transport.BytesSent;
        KernelThenEcho();
        if (_transport.BytesSent - before != (long)Messages * (Payload + (Payload < 126 ? 2 : 4)))
        {
            throw new InvalidOperationException("The echo did not send what it received.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _a.Dispose();
        _b.Dispose();
        _listener.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages, Description = "kernel only: a TCP round trip of the frame")]
    public long KernelOnly()
    {
        long total = 0;
        for (int i = 0; i < Messages; i++)
        {
            total += RoundTrip();
        }
        return total;
    }

    [Benchmark(OperationsPerInvoke = Messages, Description = "the round trip, then ws101's echo of the frame")]
    public long KernelThenEcho()
    {
        long total = 0;
        for (int i = 0; i < Messages; i++)
        {
            total += RoundTrip();
            _transport.Arrive();
        }
        return total + _transport.BytesSent;
    }

    private unsafe int RoundTrip()
    {
        int fa = (int)_a.Handle;
        int fb = (int)_b.Handle;
        fixed (byte* w = _wire)
        fixed (byte* s = _sink)
        {
            int n = (int)Libc.send(fa, w, _wire.Length, Libc.MSG_NOSIGNAL);
            n += ReceiveAll(fb, s);
            n += (int)Libc.send(fb, s, _sink.Length, Libc.MSG_NOSIGNAL);
            n += ReceiveAll(fa, s);
            return n == 4 * _wire.Length ? n : throw new IOException($"The round trip moved {n} bytes, not {4 * _wire.Length}.");
        }
    }

    private unsafe int ReceiveAll(int fd, byte* into)
    {
        int got = 0;
        while (got < _sink.Length)
        {
            nint n = Libc.recv(fd, into + got, _sink.Length - got, 0);
            if (n <= 0)
            {
                throw new IOException($"recv returned {n}.");
            }
            got += (int)n;
        }
        return got;
    }
}
