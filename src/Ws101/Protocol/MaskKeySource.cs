using System.Security.Cryptography;

namespace Ws101.Protocol;

/// <summary>
/// Fresh masking keys for a client (RFC 6455 §5.3: "the masking key MUST be derived from a strong source of
/// entropy"), drawn from <see cref="RandomNumberGenerator"/> 64 keys at a time so that a key costs a copy,
/// not a system call, and nothing is allocated after construction.
/// </summary>
internal sealed class MaskKeySource
{
    private readonly byte[] _pool = new byte[256];
    private int _next = 256;

    public uint Next()
    {
        if (_next == _pool.Length)
        {
            RandomNumberGenerator.Fill(_pool);
            _next = 0;
        }
        uint key = FrameMask.ReadKey(_pool.AsSpan(_next, 4));
        _next += 4;
        return key;
    }
}
