namespace Ws101.Transport.Linux;

/// <summary>What an <see cref="EventLoop"/> watches: a connected socket, or a listening one. Called on the loop's thread.</summary>
internal interface IEpollWatcher
{
    /// <summary>The readiness the kernel reported (EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLHUP, EPOLLERR bits).</summary>
    void OnEvents(uint events);
}
