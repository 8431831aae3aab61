using System.Collections;
using Ws101.Handshake;

namespace Ws101;

/// <summary>
/// The header lines of an HTTP head in the order received, each a name (case preserved) and a value (surrounding spaces
/// and tabs removed): <c>foreach (var (name, value) in request.Headers)</c>. Names compare case-insensitively
/// (RFC 9110 §5.1); repeated lines are kept, since a repeated Sec-WebSocket-Key is itself an error.
/// </summary>
public sealed class HttpHeaders : IReadOnlyList<KeyValuePair<string, string>>
{
    // Exactly sized: a connection keeps its request's headers for its whole life, so no spare capacity.
    private readonly HttpHeaderField[] _fields;

    /// <summary>Creates an empty collection.</summary>
    public HttpHeaders() => _fields = [];

    /// <summary>Creates a collection from name/value pairs in order (the first is line 2 of a head, after its start line).</summary>
    public HttpHeaders(IEnumerable<KeyValuePair<string, string>> fields) =>
        _fields = [.. fields.Select((f, i) => new HttpHeaderField(f.Key, f.Value, i + 2))];

    // The parsers' fields keep their line numbers, for the diagnosis to point at.
    internal HttpHeaders(IEnumerable<HttpHeaderField> fields) => _fields = [.. fields];

    internal HttpHeaders(ReadOnlySpan<HttpHeaderField> fields) => _fields = fields.ToArray();

    /// <inheritdoc />
    public int Count => _fields.Length;

    /// <inheritdoc />
    public KeyValuePair<string, string> this[int index] => new(_fields[index].Name, _fields[index].Value);

    /// <summary>The lines with their line numbers, for the diagnosis.</summary>
    internal ReadOnlySpan<HttpHeaderField> Fields => _fields;

    /// <summary>True when at least one line has this name.</summary>
    public bool Contains(string name) => IndexOf(name, 0) >= 0;

    /// <summary>How many lines have this name.</summary>
    public int CountOf(string name)
    {
        int n = 0;
        foreach (var f in _fields)
        {
            if (NameEquals(f.Name, name))
            {
                n++;
            }
        }
        return n;
    }

    /// <summary>The first line with this name, if any.</summary>
    internal HttpHeaderField? Find(string name)
    {
        int i = IndexOf(name, 0);
        return i >= 0 ? _fields[i] : null;
    }

    /// <summary>The value of the first line with this name, or null.</summary>
    public string? GetFirst(string name) => Find(name)?.Value;

    /// <summary>The values of every line with this name, in order.</summary>
    public IEnumerable<string> GetValues(string name) => FindAll(name).Select(f => f.Value);

    /// <summary>Every line with this name, in order.</summary>
    internal IEnumerable<HttpHeaderField> FindAll(string name)
    {
        foreach (var f in _fields)
        {
            if (NameEquals(f.Name, name))
            {
                yield return f;
            }
        }
    }

    /// <summary>
    /// Every element of the comma-separated lists in all lines with this name (RFC 9110 §5.6.1), trimmed,
    /// empty elements skipped. <c>Connection: keep-alive, Upgrade</c> gives <c>keep-alive</c> and <c>Upgrade</c>.
    /// </summary>
    public IEnumerable<string> GetListElements(string name)
    {
        foreach (var f in FindAll(name))
        {
            foreach (var element in HttpTokenList.Split(f.Value))
            {
                yield return element;
            }
        }
    }

    /// <summary>True when a comma-separated list in a line with this name holds <paramref name="token"/>, ignoring case.</summary>
    public bool ContainsToken(string name, string token)
    {
        // Scans the values in place: this runs on every handshake and must not allocate.
        foreach (var f in _fields)
        {
            if (!NameEquals(f.Name, name))
            {
                continue;
            }
            var rest = f.Value.AsSpan();
            while (true)
            {
                int comma = rest.IndexOf(',');
                var element = (comma < 0 ? rest : rest[..comma]).Trim(" \t");
                if (element.Equals(token, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
                if (comma < 0)
                {
                    break;
                }
                rest = rest[(comma + 1)..];
            }
        }
        return false;
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
    {
        foreach (var f in _fields)
        {
            yield return new(f.Name, f.Value);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int IndexOf(string name, int start)
    {
        for (int i = start; i < _fields.Length; i++)
        {
            if (NameEquals(_fields[i].Name, name))
            {
                return i;
            }
        }
        return -1;
    }

    private static bool NameEquals(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
