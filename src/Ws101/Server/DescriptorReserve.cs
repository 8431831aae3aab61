using Microsoft.Win32.SafeHandles;

namespace Ws101.Server;

/// <summary>
/// A few descriptors held on /dev/null from start, to be given back when accept finds no descriptor left (EMFILE):
/// the runtime then has room to start a thread (which on Linux needs a pipe), and the server can take the clients
/// waiting in the backlog off it and answer them 503 at once instead of leaving them hanging.
/// </summary>
/// <remarks>
/// <see cref="TryRestore"/> takes them back only when twice as many are free, so that holding the reserve again
/// never leaves the process with no descriptor at all.
/// </remarks>
internal sealed class DescriptorReserve : IDisposable
{
    private const string NullDevice = "/dev/null";
    private readonly Lock _gate = new();
    private readonly int _count;
    private List<SafeFileHandle>? _held;
    private bool _disposed;

    private DescriptorReserve(int count, List<SafeFileHandle> held)
    {
        _count = count;
        _held = held;
    }

    /// <summary>Opens <paramref name="count"/> descriptors, or returns null where there is no /dev/null (not Unix) or they cannot be opened.</summary>
    public static DescriptorReserve? Open(int count)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }
        var held = TryOpen(count);
        return held is null ? null : new DescriptorReserve(count, held);
    }

    /// <summary>True while the descriptors are held.</summary>
    public bool IsHeld
    {
        get
        {
            lock (_gate)
            {
                return _held is not null;
            }
        }
    }

    /// <summary>Closes the descriptors; true if they were held (false if already released).</summary>
    public bool Release()
    {
        List<SafeFileHandle>? held;
        lock (_gate)
        {
            held = _held;
            _held = null;
        }
        if (held is null)
        {
            return false;
        }
        foreach (var handle in held)
        {
            handle.Dispose();
        }
        return true;
    }

    /// <summary>Takes the descriptors back if twice as many are free now; true when held afterwards.</summary>
    public bool TryRestore()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return false;
            }
            if (_held is not null)
            {
                return true;
            }
            var opened = TryOpen(2 * _count);
            if (opened is null)
            {
                return false;
            }
            // Keep half: the other half was only there to prove that much room is free.
            foreach (var handle in opened.Skip(_count))
            {
                handle.Dispose();
            }
            _held = opened.Take(_count).ToList();
            return true;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }
        Release();
    }

    private static List<SafeFileHandle>? TryOpen(int count)
    {
        var opened = new List<SafeFileHandle>(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                opened.Add(File.OpenHandle(NullDevice, FileMode.Open, FileAccess.Read));
            }
            return opened;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            foreach (var handle in opened)
            {
                handle.Dispose();
            }
            return null;
        }
    }
}
