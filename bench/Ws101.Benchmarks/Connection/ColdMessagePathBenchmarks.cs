using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Ws101.Transport.Linux;

namespace Ws101.Benchmarks.Connection;

/// <summary>
/// The managed echo path as the server runs it: right after the kernel's TCP path has run on the same core, which leaves
/// the core's caches holding the kernel's lines rather than ws101's. Every message is preceded by a real round trip of its
/// frame over a loopback TCP connection (a send and a recv on each end, the kernel code the server's messages go through),
/// and the baseline is that round trip alone: the difference is the managed path's cost in the server's conditions,
/// measured on one core without the drift of a two-process bench. On 2026-12-07 it was 0.4-0.7 µs at 20 B and 0.8 µs at
/// 1 KiB, against 0.38-0.46 µs for <see cref="MessagePathBenchmarks"/>' warm loop (docs/performance.md, session 18).
/// The time is per message.
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
        if (_transport.BytesSent - before != (long)Messages * MessagePathBenchmarks.EchoedLength(Payload))
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
