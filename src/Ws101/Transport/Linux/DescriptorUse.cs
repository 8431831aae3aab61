namespace Ws101.Transport.Linux;

/// <summary>
/// The system calls in flight on a socket's descriptor, counted against its close, in one <see cref="int"/>: the low bits
/// count the calls, the sign bit says closed. A descriptor is closed only when it is closed and no call is in flight, by
/// whichever of the closer and the last call leaves last.
/// </summary>
/// <remarks>
/// Why: a connection is closed from any thread (the server's tick timing a handshake out, a shed at the connection limit,
/// the application's Abort or Dispose) while another thread may be just about to send or receive on it. Had the closer
/// called close() at once, that call could run after it, on the same number, by then given by the kernel to the next
/// accepted connection (Linux hands out the lowest free number): one client's bytes written to another's socket, a linger
/// or a shutdown applied to a stranger. <see cref="System.Runtime.InteropServices.SafeHandle"/> counts its uses for the
/// same reason; this is that count without an object per connection, for two interlocked operations per system call.
/// </remarks>
internal static class DescriptorUse
{
    private const int ClosedBit = int.MinValue;

    /// <summary>True once <see cref="TryMarkClosed"/> has run, whether or not the descriptor itself is closed yet.</summary>
    public static bool IsClosed(int state) => state < 0;

    /// <summary>Counts a system call in and returns true; false once closed (the call must not be made).</summary>
    public static bool TryEnter(ref int state)
    {
        while (true)
        {
            int seen = Volatile.Read(ref state);
            if (seen < 0)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref state, seen + 1, seen) == seen)
            {
                return true;
            }
        }
    }

    /// <summary>Counts a call out; true when it was the last one after the close: the caller closes the descriptor now.</summary>
    public static bool Exit(ref int state) => Interlocked.Decrement(ref state) == ClosedBit;

    /// <summary>
    /// Marks the descriptor closed: true for the first caller only (the one to unregister it and fail its waiters). Made
    /// between a <see cref="TryEnter"/> and its <see cref="Exit"/>, so that the descriptor stays open while the closer
    /// still uses it; that <see cref="Exit"/> then closes it unless a call is still in flight, whose own does.
    /// </summary>
    public static bool TryMarkClosed(ref int state) => Interlocked.Or(ref state, ClosedBit) >= 0;
}
