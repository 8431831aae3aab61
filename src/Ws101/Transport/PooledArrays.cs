using System.Buffers;

namespace Ws101.Transport;

/// <summary>Growing a rented buffer: rent a larger one, keep what was used, return the old one to the pool.</summary>
internal static class PooledArrays
{
    public static byte[] Grow(byte[] buffer, int used, int newSize)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(newSize);
        buffer.AsSpan(0, used).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }
}
