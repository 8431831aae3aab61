using System.Runtime.InteropServices;

namespace Ws101.Transport.Linux;

/// <summary>One <see cref="EventLoop"/> per processor the process may run on; sockets are spread round-robin.</summary>
internal sealed class EventLoopGroup : IDisposable
{
    private readonly EventLoop[] _loops;
    private int _next;

    public EventLoopGroup(int count)
    {
        _loops = new EventLoop[Math.Max(1, count)];
        for (int i = 0; i < _loops.Length; i++)
        {
            try
            {
                _loops[i] = new EventLoop($"ws101-loop-{i}");
            }
            catch
            {
                // Give back what the loops made so far hold (descriptors and threads) before reporting the failure.
                for (int j = 0; j < i; j++)
                {
                    _loops[j].Dispose();
                }
                throw;
            }
        }
    }

    /// <summary>True where the loop can run: Linux on x86-64 (the epoll_event layout it is written for).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    public EventLoop Next() => _loops[(int)((uint)Interlocked.Increment(ref _next) % (uint)_loops.Length)];

    public void Dispose()
    {
        foreach (var loop in _loops)
        {
            loop.Dispose();
        }
    }
}
