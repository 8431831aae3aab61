using System.Net.Security;
using System.Net.Sockets;

namespace Ws101.Cli.Bench;

/// <summary>
/// One wss:// connection of a <see cref="TlsLoadLoop"/>: the TLS stream and the decrypted bytes read but not yet parsed.
/// Only its own task touches it.
/// </summary>
internal sealed class TlsLoadConnection(SslStream stream, Socket socket) : IDisposable
{
    private const int InitialBuffer = 32 * 1024;

    private byte[] _buffer = new byte[InitialBuffer];
    private int _start;
    private int _end;

    public SslStream Stream { get; } = stream;

    /// <summary>Bytes read and not yet consumed.</summary>
    public ReadOnlySpan<byte> Buffered => _buffer.AsSpan(_start, _end - _start);

    /// <summary>The same bytes, for a parser that takes a memory.</summary>
    public ReadOnlyMemory<byte> BufferedMemory => _buffer.AsMemory(_start, _end - _start);

    /// <summary>Drops <paramref name="count"/> bytes from the front of <see cref="Buffered"/>.</summary>
    public void Consume(int count) => _start += count;

    /// <summary>Reads more bytes behind what is buffered; false when the server closed the connection.</summary>
    public async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            else
            {
                // A frame larger than the buffer is read through in pieces; only a header or a control frame must fit whole,
                // so the buffer grows only for those (a few bytes past 32 KiB at most).
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
        }
        int n = await Stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        _end += n;
        return n > 0;
    }

    public void Dispose()
    {
        Stream.Dispose();
        socket.Dispose();
    }
}
