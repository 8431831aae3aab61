using System.Security.Cryptography;
using System.Text;

namespace Ws101.Handshake;

/// <summary>
/// Finds out why a Sec-WebSocket-Accept does not match: it recomputes what the common mistakes produce
/// (another hash, another encoding, an altered GUID, a key with whitespace, the wrong order, the decoded
/// key, a value for another key) and names the one mistake that reproduces the received value, with
/// the formula as evidence. Only when nothing reproduces it does it say what remains possible.
/// </summary>
internal static class AcceptDiagnosis
{
    /// <summary>The key of the RFC 6455 §1.3 example.</summary>
    public const string RfcSampleKey = "dGhlIHNhbXBsZSBub25jZQ==";

    /// <summary>The accept of the RFC 6455 §1.3 example: the classic hard-coded value.</summary>
    public const string RfcSampleAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    private sealed record InputVariant(string Cause, string Formula, string Mistake, string Fix, byte[] Bytes);

    private sealed record HashVariant(string Cause, string Name, Func<byte[], byte[]> Hash);

    private sealed record EncodingVariant(string Cause, string Name, string Mistake, string Fix, Func<byte[], string> Encode);

    private static readonly HashVariant[] Hashes =
    [
        new("", "SHA-1", SHA1.HashData),
        new("sha-256", "SHA-256", SHA256.HashData),
        new("sha-384", "SHA-384", SHA384.HashData),
        new("sha-512", "SHA-512", SHA512.HashData),
        new("md5", "MD5", MD5.HashData),
    ];

    private static readonly EncodingVariant[] Encodings =
    [
        new("", "base64", "", "", Convert.ToBase64String),
        new("base64-unpadded", "base64 without '=' padding", "the '=' padding of the base64 was stripped", "keep the '=' padding", d => Convert.ToBase64String(d).TrimEnd('=')),
        new("base64url", "base64url", "it was encoded with the URL-safe base64 alphabet ('-' and '_', no padding)", "use standard base64 ('+', '/', '=' padding)",
            d => Convert.ToBase64String(d).TrimEnd('=').Replace('+', '-').Replace('/', '_')),
        new("base64url-padded", "base64url with padding", "it was encoded with the URL-safe base64 alphabet ('-' and '_')", "use standard base64 ('+' and '/')",
            d => Convert.ToBase64String(d).Replace('+', '-').Replace('/', '_')),
        new("hex", "hex", "the digest was written as hexadecimal instead of base64", "base64-encode the 20 raw digest bytes (digest('base64'), not digest('hex'))", Convert.ToHexStringLower),
        new("hex-upper", "upper-case hex", "the digest was written as hexadecimal instead of base64", "base64-encode the 20 raw digest bytes, not their hex text", Convert.ToHexString),
        new("base64-of-hex", "base64 of the hex text", "the hex text of the digest was base64-encoded instead of the raw digest bytes", "base64-encode the 20 raw digest bytes, not their hex text",
            d => Convert.ToBase64String(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(d)))),
    ];

    /// <summary>
    /// Diagnoses a received accept value that does not match <paramref name="key"/>. Returns an
    /// <c>accept-mismatch</c> problem whose <see cref="HandshakeProblem.Cause"/> names the mistake found
    /// (null cause when nothing reproduces the value), or null when the value is in fact correct.
    /// </summary>
    /// <param name="key">The Sec-WebSocket-Key the client sent.</param>
    /// <param name="received">The Sec-WebSocket-Accept the server sent.</param>
    /// <param name="otherKeys">Keys of other requests seen (earlier connections), to recognise a replayed response.</param>
    public static HandshakeProblem? Diagnose(string key, string received, IEnumerable<string>? otherKeys = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(received);
        if (key.Length > WebSocketAccept.MaxKeyLength || !Ascii.IsValid(key))
        {
            return Problem(key, received, null, "the key is not ASCII text of at most 256 characters, so no accept can match it",
                "The key itself is invalid, so the accept cannot be checked.", "Send a valid key: 16 random bytes in base64.");
        }
        string expected = WebSocketAccept.Compute(key);
        if (string.Equals(expected, received, StringComparison.Ordinal))
        {
            return null;
        }

        // A fixed value: the RFC's own example, sent whatever the key.
        if (received == RfcSampleAccept && key != RfcSampleKey)
        {
            return Problem(key, received, "rfc-sample-accept",
                $"'{RfcSampleAccept}' is the accept of the RFC 6455 example key '{RfcSampleKey}', not of this key",
                "The server sent the RFC 6455 example accept value, whatever the key: the value is hard-coded, copied from the RFC's example, instead of computed for each request.",
                "Compute the accept for each request from the key it carries: base64(SHA-1(key + GUID)).");
        }
        if (otherKeys is not null)
        {
            foreach (var other in otherKeys)
            {
                if (other != key && other.Length <= WebSocketAccept.MaxKeyLength && Ascii.IsValid(other) && WebSocketAccept.Compute(other) == received)
                {
                    return Problem(key, received, "other-key",
                        $"received = base64(SHA-1(\"{other}\" + GUID)), the accept of another request's key",
                        "The accept is correct for another request's key: this response was computed for an earlier request and replayed on this connection, as an intermediary that stores responses does.",
                        "Make caches and proxies pass WebSocket upgrades through uncached (they must not store a 101), and compute the accept per connection.");
                }
            }
        }
        if (string.Equals(expected, received, StringComparison.OrdinalIgnoreCase))
        {
            return Problem(key, received, "case-changed", "the value equals the right accept except for the case of its letters",
                "The case of the value's letters was changed on the way, as a component that normalises header values does. Base64 is case-sensitive, so the value no longer matches.",
                "Pass the Sec-WebSocket-Accept value through unchanged.");
        }
        // Header values are trimmed, but whitespace inside survives (a value folded or split across a line break).
        if (received.Any(char.IsWhiteSpace) && string.Concat(received.Where(c => !char.IsWhiteSpace(c))) == expected)
        {
            return Problem(key, received, "whitespace-added", "the value is the right accept with whitespace inside it",
                "Whitespace was inserted into the accept value after it was computed; the client compares the value as sent, so it no longer matches.",
                "Send the 28 characters of the accept value with nothing inserted.");
        }
        if (received.Length >= 2 && received[0] == '"' && received[^1] == '"' && received[1..^1] == expected)
        {
            return Problem(key, received, "quoted", "the value is the right accept wrapped in double quotes",
                "The server wrapped the accept value in quotes; the client compares the value as sent.",
                "Send the 28 characters without quotes.");
        }

        // Every combination of input, hash and encoding; the one with the fewest mistakes wins.
        (InputVariant Input, HashVariant Hash, EncodingVariant Encoding)? best = null;
        int bestMistakes = int.MaxValue;
        foreach (var input in Inputs(key))
        {
            foreach (var hash in Hashes)
            {
                byte[] digest = hash.Hash(input.Bytes);
                foreach (var encoding in Encodings)
                {
                    int mistakes = (input.Cause.Length > 0 ? 1 : 0) + (hash.Cause.Length > 0 ? 1 : 0) + (encoding.Cause.Length > 0 ? 1 : 0);
                    if (mistakes == 0 || mistakes >= bestMistakes)
                    {
                        continue;
                    }
                    if (string.Equals(encoding.Encode(digest), received, StringComparison.Ordinal))
                    {
                        best = (input, hash, encoding);
                        bestMistakes = mistakes;
                    }
                }
            }
        }
        if (best is { } found)
        {
            return Explain(key, received, found.Input, found.Hash, found.Encoding);
        }
        // Checked after the computed mistakes, so that the right accept without its '=' padding is named as such.
        if (received.Length is > 0 and < WebSocketAccept.Length && expected.StartsWith(received, StringComparison.Ordinal))
        {
            return Problem(key, received, "truncated", $"the value is the first {received.Length} of the 28 characters of the right accept",
                "The accept value was cut short before it reached the client: only its first characters were sent.",
                "Send all 28 characters of the base64 value.");
        }
        return Unexplained(key, received);
    }

    private static HandshakeProblem Explain(string key, string received, InputVariant input, HashVariant hash, EncodingVariant encoding)
    {
        var causes = new List<string>();
        var mistakes = new List<string>();
        var fixes = new List<string>();
        if (input.Cause.Length > 0)
        {
            causes.Add(input.Cause);
            mistakes.Add(input.Mistake);
            fixes.Add(input.Fix);
        }
        if (hash.Cause.Length > 0)
        {
            causes.Add(hash.Cause);
            mistakes.Add($"it was hashed with {hash.Name} instead of SHA-1");
            fixes.Add("hash with SHA-1");
        }
        if (encoding.Cause.Length > 0)
        {
            causes.Add(encoding.Cause);
            mistakes.Add(encoding.Mistake);
            fixes.Add(encoding.Fix);
        }
        string evidence = $"received = {encoding.Name}({hash.Name}({input.Formula})), which reproduces it exactly";
        string explanation = "The server computed the accept the wrong way: " + string.Join("; and ", mistakes) + ".";
        string fix = Capitalize(string.Join(", and ", fixes)) + ": the accept is base64(SHA-1(key + \"258EAFA5-E914-47DA-95CA-C5AB0DC85B11\")).";
        return Problem(key, received, string.Join('+', causes), evidence, explanation, fix);
    }

    private static HandshakeProblem Unexplained(string key, string received)
    {
        string evidence;
        string explanation;
        byte[] buffer = new byte[received.Length];
        if (Convert.TryFromBase64String(received, buffer, out int n) && n == SHA1.HashSizeInBytes)
        {
            evidence = "the value is base64 of 20 bytes, the size of a SHA-1 digest, but no common mistake applied to this key reproduces it";
            explanation = "The value has the right shape, so the server hashes something with SHA-1 and base64 — but not this key with the RFC's GUID. Either the GUID in the server's code is mistyped, or the value was computed for another key: a response replayed by a cache or proxy, or one server answering for another connection.";
        }
        else if (Convert.TryFromBase64String(received, buffer, out n) && n > 0)
        {
            evidence = $"the value is base64 of {n} bytes{DigestName(n)}; an accept is base64 of the 20 bytes of a SHA-1 digest";
            explanation = "The value does not have the shape of an accept, and no common mistake applied to this key reproduces it.";
        }
        else if (received.Length == 40 && received.All(char.IsAsciiHexDigit))
        {
            evidence = "the value is 40 hexadecimal digits, the size of a SHA-1 digest in hex, but not the digest of this key with the GUID";
            explanation = "The value is a hex SHA-1 digest of something other than this key and the RFC's GUID.";
        }
        else
        {
            evidence = $"the value is {received.Length} characters and is not base64; an accept is 28 base64 characters";
            explanation = "The value is not an accept value at all.";
        }
        return Problem(key, received, null, evidence, explanation,
            "Check the GUID character by character (258EAFA5-E914-47DA-95CA-C5AB0DC85B11), and check that no cache or proxy between the two sides stores or replays 101 responses.");
    }

    private static string DigestName(int n) => n switch
    {
        16 => " (the size of an MD5 digest)",
        32 => " (the size of a SHA-256 digest)",
        48 => " (the size of a SHA-384 digest)",
        64 => " (the size of a SHA-512 digest)",
        _ => "",
    };

    private static HandshakeProblem Problem(string key, string received, string? cause, string evidence, string explanation, string fix) =>
        new(HandshakeProblemCode.AcceptMismatch, KnownHeaderNames.SecWebSocketAccept,
            WebSocketAccept.ComputeIfValid(key) ?? "no valid accept exists for this key",
            HandshakeProblem.Visible(received))
        {
            Cause = cause,
            Evidence = evidence,
            Explanation = explanation,
            Fix = fix,
        };

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    private static IEnumerable<InputVariant> Inputs(string key)
    {
        const string guid = WebSocketAccept.Guid;
        string lower = guid.ToLowerInvariant();
        string noDashes = guid.Replace("-", "", StringComparison.Ordinal);
        yield return V("", "key + GUID", "", "", key + guid);
        yield return V("guid-lowercase", "key + lower-case GUID", "the GUID was written in lower case", "write the GUID in upper case, exactly as RFC 6455 gives it", key + lower);
        yield return V("guid-no-dashes", "key + GUID without dashes", "the GUID lost its dashes", "write the GUID with its dashes", key + noDashes);
        yield return V("guid-lowercase-no-dashes", "key + lower-case GUID without dashes", "the GUID was written in lower case without its dashes",
            "write the GUID exactly as RFC 6455 gives it, upper case with dashes", key + noDashes.ToLowerInvariant());
        yield return V("guid-braces", "key + {GUID}", "the GUID was wrapped in braces, as a .NET Guid formats it with \"B\"", "append the GUID text without braces", key + "{" + guid + "}");
        yield return V("wrong-order", "GUID + key", "the GUID and the key were concatenated in the wrong order", "put the key first, then the GUID", guid + key);
        yield return V("no-guid", "key alone", "the GUID was not appended at all", "append the GUID to the key before hashing", key);
        yield return V("guid-alone", "GUID alone", "the key was left out and only the GUID was hashed", "hash the key followed by the GUID", guid);
        yield return V("key-trailing-space", "key + \" \" + GUID", "a space was added after the key", "use the key exactly as received, without adding whitespace", key + " " + guid);
        yield return V("key-leading-space", "\" \" + key + GUID", "a space was added before the key (the header's leading whitespace was kept)", "strip the header's surrounding whitespace from the key", " " + key + guid);
        yield return V("key-trailing-crlf", "key + CRLF + GUID", "the line end (CR LF) of the header line was kept in the key", "strip the CR LF from the key", key + "\r\n" + guid);
        yield return V("key-trailing-lf", "key + LF + GUID", "a newline (LF) was kept at the end of the key", "strip the newline from the key", key + "\n" + guid);
        yield return V("key-trailing-cr", "key + CR + GUID", "a carriage return (CR) was kept at the end of the key", "strip the CR from the key", key + "\r" + guid);
        yield return V("key-trailing-tab", "key + TAB + GUID", "a tab was added after the key", "use the key without surrounding whitespace", key + "\t" + guid);
        string trimmed = key.Trim();
        if (trimmed != key)
        {
            yield return V("key-trimmed", "trimmed key + GUID", "the key's whitespace was trimmed before hashing, while the client hashed it as sent", "hash the key exactly as received", trimmed + guid);
        }
        string compact = string.Concat(key.Where(c => !char.IsWhiteSpace(c)));
        if (compact != key && compact != trimmed)
        {
            yield return V("key-whitespace-removed", "key without its whitespace + GUID", "whitespace was removed from inside the key before hashing", "hash the key exactly as received", compact + guid);
        }
        string unpadded = key.TrimEnd('=');
        if (unpadded != key)
        {
            yield return V("key-padding-stripped", "key without '=' padding + GUID", "the '=' padding of the key was stripped before hashing", "keep the key's '=' padding", unpadded + guid);
        }
        if (!string.Equals(key.ToLowerInvariant(), key, StringComparison.Ordinal))
        {
            yield return V("key-lowercased", "lower-case key + GUID", "the key was lower-cased (a header value normalised to lower case)", "use the key with its case unchanged; base64 is case-sensitive", key.ToLowerInvariant() + guid);
        }
        if (!string.Equals(key.ToUpperInvariant(), key, StringComparison.Ordinal))
        {
            yield return V("key-uppercased", "upper-case key + GUID", "the key was upper-cased", "use the key with its case unchanged; base64 is case-sensitive", key.ToUpperInvariant() + guid);
        }
        byte[] decoded = new byte[key.Length];
        if (Convert.TryFromBase64String(key, decoded, out int n))
        {
            var bytes = new byte[n + guid.Length];
            decoded.AsSpan(0, n).CopyTo(bytes);
            Encoding.ASCII.GetBytes(guid, bytes.AsSpan(n));
            yield return new InputVariant("key-decoded", "base64-decoded key bytes + GUID",
                "the key was base64-decoded and its 16 raw bytes hashed, instead of the 24 characters of key text",
                "hash the key text as received (24 characters), not the bytes it decodes to", bytes);
        }

        static InputVariant V(string cause, string formula, string mistake, string fix, string text) =>
            new(cause, formula, mistake, fix, Encoding.ASCII.GetBytes(text));
    }
}
