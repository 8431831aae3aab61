using System.Buffers;
using System.Text;

namespace Ws101.Handshake;

/// <summary>
/// Splits an HTTP/1.1 head (RFC 9112 §2) into its start line and header fields, under hard limits.
/// Pure and allocation-bounded: it reads at most <see cref="HttpParseLimits.MaxHeadBytes"/> bytes and one more (which
/// proves a head too large), whether they come in one span or in segments, and never copies more than it returns.
/// </summary>
internal static class HttpHeadParser
{
    internal readonly record struct RawHead(string StartLine, HttpHeaders Headers, int BytesConsumed);

    /// <summary>Parses the head at the start of <paramref name="input"/>.</summary>
    /// <param name="input">The bytes received so far.</param>
    /// <param name="limits">The limits to enforce.</param>
    /// <param name="startLineName">"request line" or "status line", for messages.</param>
    /// <param name="head">The head when complete.</param>
    /// <param name="problem">The problem when invalid.</param>
    public static HttpParseStatus Parse(
        ReadOnlySpan<byte> input, HttpParseLimits limits, string startLineName, out RawHead head, out HandshakeProblem? problem)
    {
        // Only the first MaxHeadBytes + 1 bytes decide: the one past the limit proves a head too large. Looking further
        // (a line's end beyond the limit) would make the problem depend on how many bytes arrived, and a segmented
        // input is cut here before it is parsed (found by fuzzing: fuzz/regressions/http-request).
        if (input.Length > limits.MaxHeadBytes + 1)
        {
            input = input[..(limits.MaxHeadBytes + 1)];
        }
        string? startLine = null;
        // Fields gather in a pooled array and are copied once, exactly sized, when the head is complete.
        HttpHeaderField[]? fields = null;
        int fieldCount = 0;
        try
        {
            return ParseCore(input, limits, startLineName, out head, out problem, ref startLine, ref fields, ref fieldCount);
        }
        finally
        {
            if (fields is not null)
            {
                fields.AsSpan(0, fieldCount).Clear();
                ArrayPool<HttpHeaderField>.Shared.Return(fields);
            }
        }
    }

    private static HttpParseStatus ParseCore(ReadOnlySpan<byte> input, HttpParseLimits limits, string startLineName, out RawHead head,
        out HandshakeProblem? problem, ref string? startLine, ref HttpHeaderField[]? fields, ref int fieldCount)
    {
        head = default;
        problem = null;
        int pos = 0;
        int lineNo = 0;
        while (true)
        {
            var rest = input[pos..];
            // RFC 9112 §2.2: a line ends with CRLF; a recipient MAY take a bare LF as the end. Look no further than a
            // maximal line, so that a peer sending no LF at all costs one bounded scan.
            int window = Math.Min(rest.Length, limits.MaxLineLength + 2);
            int lf = rest[..window].IndexOf((byte)'\n');
            if (lf < 0)
            {
                // A start line never holds a control character: binary bytes (a TLS record, another protocol) are
                // refused at once instead of waiting for a line end that may never come.
                if (startLine is null)
                {
                    var partial = rest[..window];
                    if (!partial.IsEmpty && partial[^1] == '\r')
                    {
                        partial = partial[..^1];
                    }
                    int control = IndexOfControl(partial);
                    if (control >= 0)
                    {
                        problem = ControlInStartLine(startLineName, partial, control, lineNo + 1);
                        return HttpParseStatus.Invalid;
                    }
                }
                if (rest.Length > limits.MaxLineLength + 1)
                {
                    problem = LineTooLong(startLine is null ? startLineName : $"header line {lineNo + 1}", lineNo + 1, limits);
                    return HttpParseStatus.Invalid;
                }
                if (input.Length > limits.MaxHeadBytes)
                {
                    problem = HeadTooLarge(limits);
                    return HttpParseStatus.Invalid;
                }
                return HttpParseStatus.NeedMoreData;
            }
            int end = pos + lf + 1;
            if (end > limits.MaxHeadBytes)
            {
                problem = HeadTooLarge(limits);
                return HttpParseStatus.Invalid;
            }
            var line = rest[..lf];
            if (!line.IsEmpty && line[^1] == '\r')
            {
                line = line[..^1];
            }
            lineNo++;
            if (line.Length > limits.MaxLineLength)
            {
                problem = LineTooLong(startLine is null ? startLineName : $"header line {lineNo}", lineNo, limits);
                return HttpParseStatus.Invalid;
            }
            if (startLine is null)
            {
                // RFC 9112 §2.2: a server SHOULD ignore at least one empty line received before the request line.
                // An ignored line is not counted: the start line is line 1 whatever came before it.
                if (line.IsEmpty)
                {
                    lineNo--;
                    pos = end;
                    continue;
                }
                int bad = IndexOfControl(line);
                if (bad >= 0)
                {
                    problem = ControlInStartLine(startLineName, line, bad, lineNo);
                    return HttpParseStatus.Invalid;
                }
                startLine = Latin1(line);
                fields = ArrayPool<HttpHeaderField>.Shared.Rent(16);
            }
            else if (line.IsEmpty)
            {
                head = new RawHead(startLine, new HttpHeaders(fields.AsSpan(0, fieldCount)), end);
                return HttpParseStatus.Complete;
            }
            else
            {
                if (line[0] is (byte)' ' or (byte)'\t')
                {
                    problem = new HandshakeProblem(HandshakeProblemCode.ObsoleteLineFolding, $"header line {lineNo}",
                        "a line that starts with a header name", HandshakeProblem.Visible(Latin1(line)))
                    { Line = lineNo };
                    return HttpParseStatus.Invalid;
                }
                if (fieldCount >= limits.MaxHeaderCount)
                {
                    problem = new HandshakeProblem(HandshakeProblemCode.TooManyHeaders, "headers",
                        $"at most {limits.MaxHeaderCount} header lines", $"more than {limits.MaxHeaderCount}")
                    { Line = lineNo };
                    return HttpParseStatus.Invalid;
                }
                if (!TryParseField(line, lineNo, out var field, out problem))
                {
                    return HttpParseStatus.Invalid;
                }
                if (fieldCount == fields!.Length)
                {
                    var bigger = ArrayPool<HttpHeaderField>.Shared.Rent(fields.Length * 2);
                    fields.AsSpan().CopyTo(bigger);
                    fields.AsSpan().Clear();
                    ArrayPool<HttpHeaderField>.Shared.Return(fields);
                    fields = bigger;
                }
                fields[fieldCount++] = field;
            }
            pos = end;
        }
    }

    /// <summary>Parses from a sequence, copying a multi-segment prefix (at most the head limit) into a pooled buffer.</summary>
    public static HttpParseStatus Parse(
        in ReadOnlySequence<byte> input, HttpParseLimits limits, string startLineName, out RawHead head, out HandshakeProblem? problem)
    {
        if (input.IsSingleSegment)
        {
            return Parse(input.FirstSpan, limits, startLineName, out head, out problem);
        }
        int length = (int)Math.Min(input.Length, limits.MaxHeadBytes + 1L);
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            input.Slice(0, length).CopyTo(rented);
            return Parse(rented.AsSpan(0, length), limits, startLineName, out head, out problem);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static bool TryParseField(ReadOnlySpan<byte> line, int lineNo, out HttpHeaderField field, out HandshakeProblem? problem)
    {
        field = default;
        problem = null;
        int colon = line.IndexOf((byte)':');
        if (colon <= 0)
        {
            problem = new HandshakeProblem(HandshakeProblemCode.MalformedHeader, $"header line {lineNo}",
                "Name: value", HandshakeProblem.Visible(Latin1(line)))
            {
                Line = lineNo,
                Evidence = colon < 0 ? "the line has no colon" : "the line starts with a colon: the name is empty",
            };
            return false;
        }
        var name = line[..colon];
        for (int i = 0; i < name.Length; i++)
        {
            if (!HttpTokenList.IsTokenChar((char)name[i]))
            {
                problem = new HandshakeProblem(HandshakeProblemCode.MalformedHeader, $"header line {lineNo}",
                    "a header name made of token characters, directly followed by ':'", HandshakeProblem.Visible(Latin1(line)))
                {
                    Line = lineNo,
                    // RFC 9112 §5.1: no whitespace is allowed between the field name and the colon.
                    Evidence = name[i] is (byte)' ' or (byte)'\t'
                        ? "whitespace between the header name and the colon (RFC 9112 §5.1 requires rejecting it)"
                        : $"byte 0x{name[i]:x2} at column {i + 1} is not allowed in a header name",
                };
                return false;
            }
        }
        var value = line[(colon + 1)..].Trim(" \t"u8);
        for (int i = 0; i < value.Length; i++)
        {
            byte b = value[i];
            // RFC 9110 §5.5: field-value is VCHAR, obs-text, SP and HTAB; CR, LF and NUL are never allowed.
            if (b < 0x20 && b != (byte)'\t' || b == 0x7f)
            {
                problem = new HandshakeProblem(HandshakeProblemCode.MalformedHeader, Latin1(name),
                    "a value without control characters", HandshakeProblem.Visible(Latin1(value)))
                {
                    Line = lineNo,
                    Evidence = $"byte 0x{b:x2} in the value is a control character",
                };
                return false;
            }
        }
        field = new HttpHeaderField(KnownHeaderNames.Get(name), CommonValue(value) ?? Latin1(value), lineNo);
        return true;
    }

    private static int IndexOfControl(ReadOnlySpan<byte> line)
    {
        for (int i = 0; i < line.Length; i++)
        {
            if (line[i] < 0x20 && line[i] != (byte)'\t' || line[i] == 0x7f)
            {
                return i;
            }
        }
        return -1;
    }

    private static HandshakeProblem ControlInStartLine(string startLineName, ReadOnlySpan<byte> line, int bad, int lineNo) =>
        new(startLineName == "status line" ? HandshakeProblemCode.MalformedStatusLine : HandshakeProblemCode.MalformedRequestLine,
            startLineName, "printable text", HandshakeProblem.Visible(Latin1(line[..Math.Min(line.Length, 80)])))
        {
            Line = lineNo,
            Evidence = $"byte 0x{line[bad]:x2} at column {bad + 1} is a control character" +
                (bad == 0 && line[0] is 0x14 or 0x15 or 0x16 ? ": the bytes look like a TLS record (is this a TLS port reached without TLS?)" : ""),
        };

    private static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    /// <summary>
    /// The same string for the values nearly every upgrade sends (Upgrade, Connection, Sec-WebSocket-Version): a server
    /// keeps each connection's request head, and a copy of these per connection was about 100 bytes of every idle one.
    /// </summary>
    private static string? CommonValue(ReadOnlySpan<byte> value) => value switch
    {
        _ when value.SequenceEqual("websocket"u8) => "websocket",
        _ when value.SequenceEqual("Upgrade"u8) => "Upgrade",
        _ when value.SequenceEqual("13"u8) => "13",
        _ when value.SequenceEqual("keep-alive, Upgrade"u8) => "keep-alive, Upgrade",
        _ => null,
    };

    private static HandshakeProblem LineTooLong(string subject, int lineNo, HttpParseLimits limits) =>
        new(HandshakeProblemCode.LineTooLong, subject, $"at most {limits.MaxLineLength} bytes", $"more than {limits.MaxLineLength} bytes")
        { Line = lineNo };

    private static HandshakeProblem HeadTooLarge(HttpParseLimits limits) =>
        new(HandshakeProblemCode.HeadTooLarge, "head", $"at most {limits.MaxHeadBytes} bytes ending in an empty line",
            $"more than {limits.MaxHeadBytes} bytes without the end of the head");
}
