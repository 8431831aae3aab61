namespace Ws101;

/// <summary>
/// Keeps a timer's callback from running twice at once: <see cref="TryEnter"/> lets one caller in and turns away every other
/// (it does not make them wait) until that one calls <see cref="Exit"/>. A <see cref="Timer"/> queues its callback each
/// period whether or not the last one has returned, so on a busy machine two could walk the same connections at once:
/// twice the work when there is least time for it, and every deadline judged twice. The tick turned away loses nothing:
/// the one inside is doing its work, and the next period comes.
/// </summary>
/// <remarks>A field of its owner (the server, the shared heartbeat), not an object of its own: an int, used atomically.</remarks>
internal struct OverlapGuard
{
    private int _inside;

    /// <summary>True when nobody is inside, and the caller is now; false while another caller is, and the caller must not go on.</summary>
    public bool TryEnter() => Interlocked.Exchange(ref _inside, 1) == 0;

    /// <summary>Lets the next caller in; called once by the caller that <see cref="TryEnter"/> admitted, when it is done.</summary>
    public void Exit() => Volatile.Write(ref _inside, 0);
}
