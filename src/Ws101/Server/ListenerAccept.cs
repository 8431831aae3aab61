using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace Ws101.Server;

/// <summary>
/// Accepts from a listening socket, one accept at a time, and hands back a failed accept as its <see cref="SocketError"/>
/// instead of throwing. Out of descriptors (EMFILE) is exactly when an exception costs most: building one captures a
/// stack trace, which reads symbol files and may load an assembly, and neither can be opened then; meanwhile the
/// runtime cannot start a thread either (on Linux that takes a descriptor), and the thread pool aborts the process when
/// it fails to. Returning the error lets <see cref="ConnectionAdmission"/> give its spare descriptors back at once.
/// </summary>
internal sealed class ListenerAccept : SocketAsyncEventArgs, IValueTaskSource<SocketError>
{
    private ManualResetValueTaskSourceCore<SocketError> _completion;

    public ListenerAccept()
        : base(unsafeSuppressExecutionContextFlow: true)
    {
        // The accept loop continues on the thread that completed the accept, as Socket.AcceptAsync's own awaitable does.
        _completion.RunContinuationsAsynchronously = false;
    }

    /// <summary>The socket accepted by the last successful <see cref="AcceptAsync"/>; null after a failure.</summary>
    public Socket? Accepted => SocketError == SocketError.Success ? AcceptSocket : null;

    /// <summary>
    /// Starts the next accept. Throws <see cref="ObjectDisposedException"/> when the listener was closed (the server
    /// stopping); every other failure is the result.
    /// </summary>
    public ValueTask<SocketError> AcceptAsync(Socket listener)
    {
        AcceptSocket = null;
        _completion.Reset();
        return listener.AcceptAsync(this)
            ? new ValueTask<SocketError>(this, _completion.Version)
            : new ValueTask<SocketError>(SocketError);
    }

    protected override void OnCompleted(SocketAsyncEventArgs e) => _completion.SetResult(e.SocketError);

    SocketError IValueTaskSource<SocketError>.GetResult(short token) => _completion.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<SocketError>.GetStatus(short token) => _completion.GetStatus(token);

    void IValueTaskSource<SocketError>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _completion.OnCompleted(continuation, state, token, flags);
}
