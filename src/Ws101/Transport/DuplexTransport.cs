using System.Buffers;
using System.Net;

namespace Ws101.Transport;

/// <summary>
/// A byte stream both ways: a TCP socket, or a TLS stream over one. The connection layer reads and writes
/// through it; nothing above it knows which it is.
/// </summary>
internal abstract class DuplexTransport : IAsyncDisposable
{
    /// <summary>The peer's address.</summary>
    public abstract EndPoint? RemoteEndPoint { get; }

    /// <summary>This side's address.</summary>
    public abstract EndPoint? LocalEndPoint { get; }

    /// <summary>Reads at least one byte into <paramref name="buffer"/>; 0 means the peer closed its side.</summary>
    public abstract ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>
    /// Waits until data can be read (or the peer closed), without holding a buffer: an idle connection then costs
    /// no receive buffer. The result carries no meaning; read to find out what arrived.
    /// </summary>
    public abstract ValueTask<int> WaitReadableAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Reads what has arrived already, without waiting: the count (0 when the peer closed), or -1 when nothing has, or
    /// when this transport cannot tell without waiting (the caller then waits with <see cref="WaitReadableAsync"/>).
    /// </summary>
    public virtual int TryReceiveNow(Span<byte> buffer) => -1;

    /// <summary>
    /// True when <see cref="TryReceiveNow"/> is exact: -1 only when nothing can be read now, so that a caller may read what is
    /// there after <see cref="WaitReadableAsync"/> and, finding nothing, wait again holding no buffer.
    /// </summary>
    public virtual bool ReceivesNowExactly => false;

    /// <summary>
    /// True when <see cref="TryReceiveNow"/> would return -1 now, known without a system call (false when it cannot tell):
    /// a reader holding no buffer need not rent one only to find nothing there.
    /// </summary>
    public virtual bool NothingToReadNow => false;

    /// <summary>
    /// Where <see cref="ReceivesNowExactly"/>: has <paramref name="continuation"/> called with <paramref name="state"/> once
    /// something can be read (or the transport ended), as <see cref="WaitReadableAsync"/> would complete, and returns true;
    /// returns false, registering nothing, when something can be read now. A wait that costs the caller no object at all:
    /// no suspended method, no delegate of its own (the continuation is static).
    /// </summary>
    public virtual bool WatchReadable(Action<object?> continuation, object state) =>
        throw new NotSupportedException("This transport cannot tell without waiting whether anything can be read.");

    /// <summary>
    /// Drops what a transport keeps to make later receive waits allocate nothing (the event-loop transport's wait object),
    /// when no receive is waiting: for a reader that from now on waits with <see cref="WatchReadable"/> only (a message pump
    /// after the handshake's reads), so that its idle connection carries none of it.
    /// </summary>
    public virtual void ForgetReceiveWait()
    {
    }

    /// <summary>True when <see cref="TrySendNow"/> hands two buffers to the kernel in one call (a vectored send).</summary>
    public virtual bool SendsVectored => false;

    /// <summary>
    /// Sends <paramref name="first"/> and then <paramref name="second"/> as far as the kernel takes them now, without waiting,
    /// and returns how many bytes of the two it took (0 where <see cref="SendsVectored"/> is false); the caller sends the
    /// rest with <see cref="SendAsync"/>.
    /// </summary>
    public virtual int TrySendNow(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second) => 0;

    /// <summary>Writes all of <paramref name="data"/>.</summary>
    public abstract ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Ends this side's sending (TCP FIN), leaving receiving open.</summary>
    public abstract void ShutdownSend();

    /// <summary>
    /// Closes after what was sent: the peer gets everything queued, then the end of the stream (FIN), as
    /// <see cref="ShutdownSend"/> followed by <see cref="DisposeAsync"/> gives.
    /// </summary>
    public virtual void CloseAfterSending()
    {
        ShutdownSend();
        DisposeAsync().AsTask().Wait();
    }

    /// <summary>Drops the connection at once; pending reads and writes fail.</summary>
    public abstract void Abort();

    /// <summary>
    /// Drops the connection at once, as <see cref="Abort"/> does and from any thread, after sending
    /// <paramref name="answer"/> when the kernel takes all of it without waiting (then the close is a FIN after it, not a
    /// reset). For a connection shed while its owner may be reading: the caller makes sure the owner is not writing.
    /// Transports that cannot send safely from another thread only abort.
    /// </summary>
    public virtual void AbortWithAnswer(ReadOnlySpan<byte> answer) => Abort();

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();

    /// <summary>Reads and discards until the peer closes its side, or <paramref name="timeout"/> passes, or the transport fails.</summary>
    public async ValueTask WaitForPeerCloseAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var scratch = ArrayPool<byte>.Shared.Rent(256);
        try
        {
            while (await ReceiveAsync(scratch, cts.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception ex) when (IsFailure(ex))
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>True for the exceptions a transport throws when the connection fails, is reset, closed under a call, or cancelled.</summary>
    public static bool IsFailure(Exception ex) =>
        ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException or OperationCanceledException
            or System.Security.Authentication.AuthenticationException;
}
