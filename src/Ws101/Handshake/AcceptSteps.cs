using System.Security.Cryptography;
using System.Text;

namespace Ws101.Handshake;

/// <summary>
/// The accept computation shown step by step, for people learning or checking it: the text hashed,
/// its SHA-1 digest in hex, and the base64 of the digest.
/// </summary>
/// <param name="Key">The key as given.</param>
/// <param name="Concatenated">Step 1: the key followed by the GUID.</param>
/// <param name="Sha1Hex">Step 2: the SHA-1 digest of step 1's ASCII bytes, in lower-case hex.</param>
/// <param name="Accept">Step 3: the base64 of the digest, the Sec-WebSocket-Accept value.</param>
internal sealed record AcceptSteps(string Key, string Concatenated, string Sha1Hex, string Accept)
{
    /// <summary>Computes the steps for <paramref name="key"/>.</summary>
    /// <exception cref="ArgumentException">The key is not ASCII or is longer than <see cref="WebSocketAccept.MaxKeyLength"/>.</exception>
    public static AcceptSteps For(string key)
    {
        string accept = WebSocketAccept.Compute(key);
        string concatenated = key + WebSocketAccept.Guid;
        byte[] digest = SHA1.HashData(Encoding.ASCII.GetBytes(concatenated));
        return new AcceptSteps(key, concatenated, Convert.ToHexStringLower(digest), accept);
    }
}
