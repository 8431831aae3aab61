using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Ws101.Transport.Linux;

namespace Ws101.Tests.Transport;

/// <summary>
/// The event-loop transport's waits: sends and receives are tried at once, and only when the kernel says "would block" do
/// they wait for the loop's edge, through a wait object made the first time one has to wait (so an idle connection carries
/// none); a message pump's watch for readiness keeps only its continuation and state.
/// </summary>
public class EpollSocketTransportTests
{
    [Fact]
    public async Task a_send_waiting_on_a_peer_that_reads_nothing_ends_by_its_token_and_the_next_send_reuses_the_wait()
    {
        Assert.SkipUnless(EventLoopGroup.IsSupported, "the event-loop transport needs Linux on x86-64");
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        await using var pair = await Pair.OpenAsync(ct);
        var (transport, peer) = (pair.Transport, pair.Peer);
        Assert.Null(SendWait(transport));

        using var cancel = new CancellationTokenSource();
        var waiting = await FillUntilASendWaitsAsync(transport, cancel.Token, ct);
        var wait = SendWait(transport);
        Assert.NotNull(wait);

        cancel.Cancel();
        // Bounded by a timeout, whose TimeoutException is not the cancellation looked for.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));

        // The peer reads again: a send that had to wait completes on the writable edge, through the same wait object.
        var draining = DrainAsync(peer, ct);
        var next = await FillUntilASendWaitsAsync(transport, CancellationToken.None, ct);
        await next.AsTask().WaitAsync(ct);
        Assert.Same(wait, SendWait(transport));
        peer.Shutdown(SocketShutdown.Send);
        transport.ShutdownSend();
        await draining;
    }

    [Fact]
    public async Task closing_the_transport_fails_a_waiting_send_as_closed()
    {
        Assert.SkipUnless(EventLoopGroup.IsSupported, "the event-loop transport needs Linux on x86-64");
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        await using var pair = await Pair.OpenAsync(ct);
        var (transport, peer) = (pair.Transport, pair.Peer);

        var waiting = await FillUntilASendWaitsAsync(transport, CancellationToken.None, ct);
        await transport.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task a_close_from_another_thread_never_lets_a_send_in_flight_reach_the_socket_that_takes_its_number_next()
    {
        Assert.SkipUnless(EventLoopGroup.IsSupported, "the event-loop transport needs Linux on x86-64");
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
        using var loop = new EventLoop("ws101-test-loop");
        var payload = new byte[512];
        Array.Fill(payload, (byte)'A');
        var buffer = new byte[4096];
        int reused = 0;
        for (int round = 0; round < 200; round++)
        {
            var (first, firstPeer) = await ConnectAsync(loop, ct);
            int firstNumber = Descriptor(first);
            using var sending = new ManualResetEventSlim();
            // Sends from a thread of its own until the transport says it is closed: some of them are in flight when the
            // close below comes (the peer reads nothing, so most are EAGAIN, which is still a call on the descriptor).
            var sender = Task.Factory.StartNew(() =>
            {
                sending.Set();
                for (int i = 0; i < 1_000_000; i++)
                {
                    try
                    {
                        first.TrySendNow(payload, default);
                    }
                    catch (ObjectDisposedException)
                    {
                        return;
                    }
                }
            }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            sending.Wait(ct);
            first.Abort();
            // The next sockets made (a listener, the second's peer, the second) take the lowest free numbers: the first's
            // among them, once it is really closed. A send of the first's on the peer's number would reach the second
            // from its own peer; on the second's, its peer.
            var (second, secondPeer) = await ConnectAsync(loop, ct);
            if (Descriptor(second) == firstNumber || (int)secondPeer.SafeHandle.DangerousGetHandle() == firstNumber)
            {
                reused++;
            }
            await sender.WaitAsync(ct);

            // Nothing reached the second connection but what its own ends sent: no byte in from its peer before the FIN,
            // and only its "B" out to its peer before its close.
            secondPeer.Shutdown(SocketShutdown.Send);
            int stray = 0, n;
            while ((n = await second.ReceiveAsync(buffer, ct)) > 0)
            {
                stray += n;
            }
            Assert.Equal(0, stray);
            second.TrySendNow("B"u8, default);
            await second.DisposeAsync();
            var received = new MemoryStream();
            while ((n = await secondPeer.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
            {
                received.Write(buffer, 0, n);
            }
            Assert.Equal("B", System.Text.Encoding.ASCII.GetString(received.ToArray()));
            firstPeer.Dispose();
            secondPeer.Dispose();
        }
        // The test means something only if the numbers were in fact handed on.
        Assert.True(reused > 0, "no socket was given a closed one's number: nothing was raced");
    }

    private static int Descriptor(EpollSocketTransport transport) =>
        (int)typeof(EpollSocketTransport).GetField("_fd", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(transport)!;

    /// <summary>Sends 64 KiB at a time until one send has to wait (the peer reads nothing); returns that send.</summary>
    private static async Task<ValueTask> FillUntilASendWaitsAsync(EpollSocketTransport transport, CancellationToken token, CancellationToken ct)
    {
        var chunk = new byte[64 * 1024];
        for (int i = 0; i < 10_000; i++)
        {
            var send = transport.SendAsync(chunk, token);
            if (!send.IsCompleted)
            {
                return send;
            }
            await send;
            ct.ThrowIfCancellationRequested();
        }
        throw new InvalidOperationException("the kernel took 640 MB without a send having to wait");
    }

    [Fact]
    public async Task a_socket_registered_in_the_slot_a_closed_one_left_gets_a_new_id_so_events_fetched_for_the_old_one_miss_it()
    {
        Assert.SkipUnless(EventLoopGroup.IsSupported, "the event-loop transport needs Linux on x86-64");
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        using var loop = new EventLoop("ws101-test-loop");
        var (first, firstPeer) = await ConnectAsync(loop, ct);
        using var _ = firstPeer;
        ulong old = first.LoopId;
        await first.DisposeAsync();
        var (second, secondPeer) = await ConnectAsync(loop, ct);
        await using var __ = second;
        using var ___ = secondPeer;
        // The same slot (the low half), another registration (the high half): the loop delivers an event only when the
        // whole id matches, so an edge fetched for the closed socket in the same batch cannot reach the new one.
        Assert.Equal((uint)old, (uint)second.LoopId);
        Assert.NotEqual(old, second.LoopId);
        Assert.Equal(1, loop.Count);
        // And the new socket's own edges do reach it: bytes from its peer are read.
        await secondPeer.SendAsync(new byte[] { 1, 2, 3 }, SocketFlags.None, ct);
        var buffer = new byte[8];
        int read = await second.ReceiveAsync(buffer, ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Equal(3, read);
    }

    [Fact]
    public async Task a_receive_that_waited_under_a_token_forgets_its_registration_when_bytes_arrive()
    {
        Assert.SkipUnless(EventLoopGroup.IsSupported, "the event-loop transport needs Linux on x86-64");
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        await using var pair = await Pair.OpenAsync(ct);
        var (transport, peer) = (pair.Transport, pair.Peer);
        using var live = new CancellationTokenSource();

        // Nothing sent yet: the receive has to wait, registered on the live token.
        var buffer = new byte[8];
        var receive = transport.ReceiveAsync(buffer, live.Token);
        Assert.False(receive.IsCompleted);
        Assert.True(ReadRegistration(transport).Token.CanBeCanceled);

        await peer.SendAsync(new byte[] { 1, 2, 3 }, SocketFlags.None, ct);
        Assert.Equal(3, await receive.AsTask().WaitAsync(TimeSpan.FromSeconds(10), ct));
        // Kept, it would be disposed again at every later completion and keep pointing into the token's callbacks.
        Assert.Equal(default, ReadRegistration(transport));
    }

    [Fact]
    public async Task a_receive_completed_by_the_loop_as_it_registers_its_token_leaves_no_registration_that_could_cancel_a_later_receive()
    {
        Assert.SkipUnless(EventLoopGroup.IsSupported, "the event-loop transport needs Linux on x86-64");
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
        await using var pair = await Pair.OpenAsync(ct);
        var (transport, peer) = (pair.Transport, pair.Peer);
        var buffer = new byte[64];
        var one = new byte[1];
        int leaked = 0, spurious = 0;
        const int Rounds = 2000;
        for (int round = 0; round < Rounds; round++)
        {
            using var token = new CancellationTokenSource();
            using var racing = new Barrier(2);
            // The peer's byte arrives while the receive announces its wait and registers its token, which another thread
            // keeps registering on too (an application's token is often shared): the loop completes the read in between.
            var sender = Task.Factory.StartNew(() =>
            {
                racing.SignalAndWait(ct);
                for (int i = 0; i < 20; i++)
                {
                    token.Token.UnsafeRegister(static _ => { }, null).Dispose();
                }
                peer.Send(one);
                for (int i = 0; i < 50; i++)
                {
                    token.Token.UnsafeRegister(static _ => { }, null).Dispose();
                }
            }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            racing.SignalAndWait(ct);
            int n = await transport.ReceiveAsync(buffer, token.Token).AsTask().WaitAsync(TimeSpan.FromSeconds(10), ct);
            Assert.Equal(1, n);
            await sender.WaitAsync(ct);
            // Null until some receive has had to wait.
            if (ReceiveWait(transport) is EpollReceiveWait wait && wait.Cancellation != default)
            {
                leaked++;
            }

            // The next receive waits under no token; the earlier receive's token, cancelled now, must not end it.
            var next = transport.ReceiveAsync(buffer, CancellationToken.None);
            Assert.False(next.IsCompleted);
            await token.CancelAsync();
            if (next.IsCompleted)
            {
                spurious++;
            }
            peer.Send(one);
            try
            {
                await next.AsTask().WaitAsync(TimeSpan.FromSeconds(10), ct);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // Cancelled by the earlier token: the byte it waited for is still there, and the next round must not find it.
                await transport.ReceiveAsync(buffer, ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), ct);
            }
        }
        Assert.True(leaked == 0 && spurious == 0,
            $"of {Rounds} receives, {leaked} kept their token's registration after completing, and {spurious} later receives were cancelled by it");
    }

    [Fact]
    public async Task a_send_cancelled_while_the_loop_is_sending_its_rest_on_a_writable_edge_still_ends_cancelled()
    {
        Assert.SkipUnless(EventLoopGroup.IsSupported, "the event-loop transport needs Linux on x86-64");
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
        await using var pair = await Pair.OpenAsync(ct);
        var (transport, peer) = (pair.Transport, pair.Peer);
        var data = new byte[4 * 1024 * 1024];
        int lost = 0, cancelled = 0;
        const int Rounds = 150;
        for (int round = 0; round < Rounds && lost < 3; round++)
        {
            using var token = new CancellationTokenSource();
            var send = transport.SendAsync(data, token.Token);
            // The peer reads in small pieces: writable edges come one after another, and on each the loop takes the wait and
            // sends what the socket takes now. The cancellation comes at any moment, often while the loop holds the wait.
            int stop = 0;
            var reader = Task.Factory.StartNew(() =>
            {
                var chunk = new byte[4096];
                while (Volatile.Read(ref stop) == 0)
                {
                    if (peer.Poll(1000, SelectMode.SelectRead))
                    {
                        peer.Receive(chunk);
                    }
                }
            }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            for (int spin = Random.Shared.Next(10_000); spin > 0; spin--)
            {
                Thread.SpinWait(10);
            }
            await token.CancelAsync();
            Volatile.Write(ref stop, 1);
            await reader.WaitAsync(ct);
            // Nothing reads now: a send whose cancellation was lost would wait for good.
            var ended = send.AsTask();
            if (await Task.WhenAny(ended, Task.Delay(TimeSpan.FromSeconds(2), ct)) != ended)
            {
                lost++;
                await DrainUntilAsync(peer, ended, ct);
            }
            try
            {
                await ended;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                cancelled++;
            }
        }
        Assert.True(lost == 0, $"{lost} sends kept waiting after their token was cancelled ({cancelled} ended cancelled)");
        Assert.True(cancelled > 0, "no send was still waiting when its token was cancelled: nothing was raced");
    }

    /// <summary>Reads what the peer is sent until <paramref name="until"/> completes.</summary>
    private static Task DrainUntilAsync(Socket peer, Task until, CancellationToken ct) => Task.Factory.StartNew(() =>
    {
        var buffer = new byte[256 * 1024];
        while (!until.IsCompleted)
        {
            if (peer.Poll(1000, SelectMode.SelectRead))
            {
                peer.Receive(buffer);
            }
        }
    }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    [Fact]
    public async Task a_send_that_waited_under_a_token_forgets_its_registration_when_the_peer_reads()
    {
        Assert.SkipUnless(EventLoopGroup.IsSupported, "the event-loop transport needs Linux on x86-64");
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        await using var pair = await Pair.OpenAsync(ct);
        var (transport, peer) = (pair.Transport, pair.Peer);
        using var live = new CancellationTokenSource();

        var waiting = await FillUntilASendWaitsAsync(transport, live.Token, ct);
        var wait = (EpollSendWait)SendWait(transport)!;
        Assert.True(wait.Cancellation.Token.CanBeCanceled);

        var draining = DrainAsync(peer, ct);
        await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(20), ct);
        Assert.Equal(default, wait.Cancellation);
        peer.Shutdown(SocketShutdown.Send);
        transport.ShutdownSend();
        await draining;
    }

    [Fact]
    public async Task a_wait_that_starts_after_another_thread_closed_the_transport_fails_at_once_instead_of_waiting_for_an_edge()
    {
        Assert.SkipUnless(EventLoopGroup.IsSupported, "the event-loop transport needs Linux on x86-64");
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        await using var pair = await Pair.OpenAsync(ct);
        var (transport, peer) = (pair.Transport, pair.Peer);

        // A short read: the socket is known to be empty until the next edge, so the next receive goes straight to waiting.
        await peer.SendAsync(new byte[] { 1, 2, 3 }, SocketFlags.None, ct);
        var buffer = new byte[8];
        Assert.Equal(3, await transport.ReceiveAsync(buffer, ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), ct));
        // The loop may report the bytes' edge after the read took them: that edge moves the epoch past the drained one, and
        // a read finds the socket empty again (EAGAIN) at the new epoch.
        for (int i = 0; i < 100 && !transport.NothingToReadNow; i++)
        {
            Assert.Equal(-1, transport.TryReceiveNow(buffer));
        }
        Assert.True(transport.NothingToReadNow);

        // Closed elsewhere (a keepalive's verdict, a shutdown) before the reader registered its wait: Close found no waiter,
        // and the loop no longer watches the socket, so a wait registered now would never end. It fails instead.
        await Task.Run(() => transport.DisposeAsync().AsTask(), ct);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => transport.ReceiveAsync(buffer, ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), ct));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => transport.WaitReadableAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), ct));
        Assert.False(transport.WatchReadable(static _ => { }, new object()));
    }

    [Fact]
    public async Task a_receive_that_waited_keeps_no_reference_to_its_awaiter_once_it_has_its_result()
    {
        Assert.SkipUnless(EventLoopGroup.IsSupported, "the event-loop transport needs Linux on x86-64");
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        await using var pair = await Pair.OpenAsync(ct);
        var (transport, peer) = (pair.Transport, pair.Peer);
        var buffer = new byte[8];
        var receive = transport.ReceiveAsync(buffer, ct);
        Assert.False(receive.IsCompleted);

        await peer.SendAsync(new byte[] { 1, 2 }, SocketFlags.None, ct);
        Assert.Equal(2, await receive.AsTask().WaitAsync(TimeSpan.FromSeconds(10), ct));
        // The wait object stays for the next receive, but forgets who waited: that method may be long finished.
        var wait = ReceiveWait(transport)!;
        var source = wait.GetType().GetField("_source", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(wait)!;
        Assert.Null(source.GetType().GetField("_continuation", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(source));
        Assert.Null(source.GetType().GetField("_continuationState", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(source));
    }

    [Fact]
    public async Task a_watch_for_readiness_holds_only_its_continuation_and_is_called_once_at_the_next_edge()
    {
        Assert.SkipUnless(EventLoopGroup.IsSupported, "the event-loop transport needs Linux on x86-64");
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        await using var pair = await Pair.OpenAsync(ct);
        var (transport, peer) = (pair.Transport, pair.Peer);
        var buffer = new byte[8];

        // Not yet known to be empty: the caller is told to read now, and a read that finds nothing marks the socket drained.
        Assert.False(transport.WatchReadable(static _ => { }, new object()));
        ReadUntilKnownEmpty(transport, buffer);
        int calls = 0;
        var called = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var state = new object();
        Assert.True(transport.WatchReadable(s => { Interlocked.Increment(ref calls); called.TrySetResult(s); }, state));
        Assert.Null(ReceiveWait(transport));

        await peer.SendAsync(new byte[] { 1, 2, 3 }, SocketFlags.None, ct);
        Assert.Same(state, await called.Task.WaitAsync(TimeSpan.FromSeconds(10), ct));
        Assert.Equal(3, transport.TryReceiveNow(buffer));
        // The next edge finds no watch: the first was forgotten when it was called.
        await peer.SendAsync(new byte[] { 4 }, SocketFlags.None, ct);
        Assert.Equal(1, await ReadWhenThereAsync(transport, buffer, ct));
        Assert.Equal(1, calls);
        Assert.Null(ReceiveWait(transport));
    }

    [Fact]
    public async Task closing_the_transport_calls_a_waiting_watch_and_the_read_that_follows_reports_the_close()
    {
        Assert.SkipUnless(EventLoopGroup.IsSupported, "the event-loop transport needs Linux on x86-64");
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        await using var pair = await Pair.OpenAsync(ct);
        var transport = pair.Transport;
        var buffer = new byte[8];
        ReadUntilKnownEmpty(transport, buffer);
        var called = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(transport.WatchReadable(_ => called.TrySetResult(), new object()));

        await Task.Run(() => transport.DisposeAsync().AsTask(), ct);
        await called.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.Throws<ObjectDisposedException>(() => transport.TryReceiveNow(buffer));
    }

    [Fact]
    public async Task the_peers_end_is_never_watched_for_the_read_that_follows_returns_it()
    {
        Assert.SkipUnless(EventLoopGroup.IsSupported, "the event-loop transport needs Linux on x86-64");
        var ct = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        await using var pair = await Pair.OpenAsync(ct);
        var (transport, peer) = (pair.Transport, pair.Peer);
        var buffer = new byte[8];
        ReadUntilKnownEmpty(transport, buffer);

        peer.Shutdown(SocketShutdown.Send);
        // The FIN's edge: from then on a watch would wait for an edge that never comes, so the caller is told to read, and reads 0.
        Assert.Equal(0, await ReadWhenThereAsync(transport, buffer, ct));
        Assert.False(transport.WatchReadable(static _ => { }, new object()));
        Assert.Equal(0, transport.TryReceiveNow(buffer));
    }

    /// <summary>Reads, finding nothing (the peer has sent nothing), until the transport knows the socket is empty without a system call.</summary>
    private static void ReadUntilKnownEmpty(EpollSocketTransport transport, byte[] buffer)
    {
        for (int i = 0; i < 100 && !transport.NothingToReadNow; i++)
        {
            Assert.Equal(-1, transport.TryReceiveNow(buffer));
        }
        Assert.True(transport.NothingToReadNow);
    }

    /// <summary>Reads as a pump does: what is there now, else a watch for the next edge, then the read again; bounded by <paramref name="ct"/>.</summary>
    private static async Task<int> ReadWhenThereAsync(EpollSocketTransport transport, byte[] buffer, CancellationToken ct)
    {
        for (int i = 0; i < 1000; i++)
        {
            int n = transport.TryReceiveNow(buffer);
            if (n >= 0)
            {
                return n;
            }
            var edge = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (transport.WatchReadable(_ => edge.TrySetResult(), new object()))
            {
                await edge.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
            }
        }
        throw new InvalidOperationException("No read came back in 1,000 tries.");
    }

    private static object? ReceiveWait(EpollSocketTransport transport) =>
        typeof(EpollSocketTransport).GetField("_receive", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(transport);

    private static CancellationTokenRegistration ReadRegistration(EpollSocketTransport transport) =>
        ((EpollReceiveWait)typeof(EpollSocketTransport).GetField("_receive", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(transport)!).Cancellation;

    /// <summary>A loop of its own, a transport on an accepted loopback socket, and the peer; closed together.</summary>
    private sealed class Pair : IAsyncDisposable
    {
        private readonly EventLoop _loop;

        private Pair(EventLoop loop, EpollSocketTransport transport, Socket peer)
        {
            _loop = loop;
            Transport = transport;
            Peer = peer;
        }

        public EpollSocketTransport Transport { get; }

        public Socket Peer { get; }

        public static async Task<Pair> OpenAsync(CancellationToken ct)
        {
            var loop = new EventLoop("ws101-test-loop");
            try
            {
                var (transport, peer) = await ConnectAsync(loop, ct);
                return new Pair(loop, transport, peer);
            }
            catch
            {
                loop.Dispose();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            // Closing twice is allowed: a test may close the transport itself.
            await Transport.DisposeAsync();
            Peer.Dispose();
            _loop.Dispose();
        }
    }

    private static async Task DrainAsync(Socket peer, CancellationToken ct)
    {
        var buffer = new byte[256 * 1024];
        while (await peer.ReceiveAsync(buffer, SocketFlags.None, ct) > 0)
        {
        }
    }

    /// <summary>An accepted loopback socket handed to the transport (which closes it), and the peer that connected.</summary>
    private static async Task<(EpollSocketTransport, Socket)> ConnectAsync(EventLoop loop, CancellationToken ct)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        return await ConnectAsync(listener, loop, ct);
    }

    private static async Task<(EpollSocketTransport, Socket)> ConnectAsync(Socket listener, EventLoop loop, CancellationToken ct)
    {
        var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await peer.ConnectAsync(listener.LocalEndPoint!, ct);
        int fd = Accept(listener);
        return (new EpollSocketTransport(fd, PeerAddress.Of(peer.LocalEndPoint), loop), peer);
    }

    private const int SO_SNDBUF = 7;

    /// <summary>
    /// Accepted with accept4, as the server's event loop does: a descriptor the transport owns, with no Socket object that
    /// would close it too. Its send buffer is made small, so that a send has to wait soon.
    /// </summary>
    private static unsafe int Accept(Socket listener)
    {
        int fd = Libc.accept4((int)listener.SafeHandle.DangerousGetHandle(), null, null, Libc.SOCK_CLOEXEC);
        Assert.True(fd >= 0, "accept4 failed");
        int sendBuffer = 4096;
        Libc.setsockopt(fd, Libc.SOL_SOCKET, SO_SNDBUF, &sendBuffer, sizeof(int));
        return fd;
    }

    private static object? SendWait(EpollSocketTransport transport) =>
        typeof(EpollSocketTransport).GetField("_send", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(transport);
}
