using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Ws101.Handshake;

/// <summary>
/// The <c>Sec-WebSocket-Accept</c> value (RFC 6455 §1.3, §4.2.2 step 5.4): base64 of the SHA-1 digest
/// of the client's key text followed by the protocol GUID. It proves that the server read this
/// particular upgrade request, so that neither a caching proxy nor a server that blindly answers
/// 101 can complete a handshake.
/// </summary>
internal static class WebSocketAccept
{
    /// <summary>The GUID that RFC 6455 §1.3 appends to the key: <c>258EAFA5-E914-47DA-95CA-C5AB0DC85B11</c>.</summary>
    public const string Guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>Length in characters of every accept value: base64 of a 20-byte SHA-1 digest.</summary>
    public const int Length = 28;

    /// <summary>Length in characters of a well-formed key: base64 of 16 bytes.</summary>
    public const int KeyLength = 24;

    /// <summary>The longest key text this type hashes; a longer key is not one a client can legally send.</summary>
    public const int MaxKeyLength = 256;

    private static ReadOnlySpan<byte> GuidBytes => "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8;

    /// <summary>Computes the accept value for <paramref name="key"/>, taken exactly as given (no trimming).</summary>
    /// <exception cref="ArgumentException">The key is longer than <see cref="MaxKeyLength"/> or not ASCII.</exception>
    public static string Compute(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<char> accept = stackalloc char[Length];
        if (!TryCompute(key, accept, out _))
        {
            throw new ArgumentException(
                $"A Sec-WebSocket-Key is ASCII text of at most {MaxKeyLength} characters; this one is not.", nameof(key));
        }
        return new string(accept);
    }

    /// <summary>
    /// The accept for <paramref name="key"/>, or null when the key is null or has none (not ASCII, or longer than
    /// <see cref="MaxKeyLength"/>): a key read from a pasted or received request may be any text.
    /// </summary>
    internal static string? ComputeIfValid(string? key) =>
        key is not null && key.Length <= MaxKeyLength && Ascii.IsValid(key) ? Compute(key) : null;

    /// <summary>
    /// Computes the accept value into <paramref name="destination"/> without allocating.
    /// Returns false when the destination is shorter than <see cref="Length"/>, or the key is longer
    /// than <see cref="MaxKeyLength"/> or holds a character outside ASCII.
    /// </summary>
    public static bool TryCompute(ReadOnlySpan<char> key, Span<char> destination, out int charsWritten)
    {
        charsWritten = 0;
        if (destination.Length < Length || key.Length > MaxKeyLength || !Ascii.IsValid(key))
        {
            return false;
        }
        Span<byte> keyBytes = stackalloc byte[MaxKeyLength];
        int n = Encoding.ASCII.GetBytes(key, keyBytes);
        Span<byte> accept = stackalloc byte[Length];
        ComputeCore(keyBytes[..n], accept);
        for (int i = 0; i < Length; i++)
        {
            destination[i] = (char)accept[i];
        }
        charsWritten = Length;
        return true;
    }

    /// <summary>
    /// Computes the accept value from the key's ASCII bytes into <paramref name="destination"/> as ASCII bytes,
    /// without allocating: the form a server writes straight into its response buffer.
    /// </summary>
    public static bool TryCompute(ReadOnlySpan<byte> keyAscii, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (destination.Length < Length || keyAscii.Length > MaxKeyLength)
        {
            return false;
        }
        ComputeCore(keyAscii, destination);
        bytesWritten = Length;
        return true;
    }

    private static void ComputeCore(ReadOnlySpan<byte> keyAscii, Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[MaxKeyLength + 36];
        keyAscii.CopyTo(input);
        GuidBytes.CopyTo(input[keyAscii.Length..]);
        Span<byte> digest = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(input[..(keyAscii.Length + GuidBytes.Length)], digest);
        Base64.EncodeToUtf8(digest, destination, out _, out _);
    }

    /// <summary>
    /// True when <paramref name="received"/> is exactly the accept value for <paramref name="key"/>.
    /// The comparison is ordinal and exact: RFC 6455 §4.1 asks the client to compare the value as sent.
    /// </summary>
    public static bool Verify(string key, string? received)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (received is null || received.Length != Length)
        {
            return false;
        }
        Span<char> expected = stackalloc char[Length];
        return TryCompute(key, expected, out _) && expected.SequenceEqual(received);
    }

    /// <summary>
    /// A fresh client key (RFC 6455 §4.1 item 7): 16 bytes from a cryptographic random source, base64 encoded.
    /// The RFC asks for a nonce "randomly selected"; a predictable key would let a cache answer for it.
    /// </summary>
    public static string GenerateKey()
    {
        Span<byte> nonce = stackalloc byte[16];
        RandomNumberGenerator.Fill(nonce);
        return Convert.ToBase64String(nonce);
    }
}
