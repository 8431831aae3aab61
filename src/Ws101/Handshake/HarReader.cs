using System.Text.Json;

namespace Ws101.Handshake;

/// <summary>
/// Reads a HAR 1.2 file (http://www.softwareishard.com/blog/har-12-spec/) as it arrives, chunk by chunk, in bounded
/// memory whatever its size: the bytes pass through a <see cref="JsonStringClipper"/> (so no string, however large a
/// response body or a frame, is held whole), then a <see cref="Utf8JsonReader"/> that keeps only the parts of each
/// entry a WebSocket diagnosis reads (<see cref="HarEntry"/>). Each entry is handed to the callback as soon as it ends
/// and not kept. Push-style and free of I/O: the caller reads the file and calls <see cref="Feed"/>.
/// </summary>
internal sealed class HarReader
{
    /// <summary>The largest HAR read by default: 512 MiB. A long DevTools session with bodies stays below it.</summary>
    public const long DefaultMaxBytes = 512L * 1024 * 1024;

    /// <summary>The most bytes of any JSON string kept (header values, bodies, payloads are clipped beyond it).</summary>
    public const int StringKeepBytes = 4 * 1024;

    /// <summary>The longest token the reader waits for: a string is clipped well below it, so only a giant number or name hits it.</summary>
    public const int MaxTokenBytes = 64 * 1024;

    private const int ChunkBytes = 16 * 1024;

    private static ReadOnlySpan<byte> ByteOrderMark => "\uFEFF"u8;

    private enum Context : byte
    {
        Root, Log, Creator, Browser, Entries, Entry, Request, RequestHeaders, RequestHeader,
        Response, ResponseHeaders, ResponseHeader, Content, Messages, Message, Other,
    }

    private enum Prop : byte
    {
        None, Element, Log, Creator, Browser, Name, Version, Entries, StartedDateTime, ResourceType, Request, Response, Method, Url,
        HttpVersion, Headers, Value, Status, StatusText, Content, MimeType, Text, Encoding, Error, FailureText, WebSocketMessages,
        Type, Time, Opcode, Data,
    }

    private readonly record struct Frame(Context Context, bool IsArray, Prop Property);

    private readonly Action<HarEntry> _onEntry;
    private readonly long _maxBytes;
    private readonly JsonStringClipper _clipper = new(StringKeepBytes);
    private readonly List<Frame> _stack = [];
    private byte[] _buffer = new byte[ChunkBytes * 2];
    private int _length;
    private JsonReaderState _state = new(new JsonReaderOptions { MaxDepth = 64 });
    private long _consumed;
    private int _bomSeen;
    private bool _finished;
    private bool _sawEntries;
    private HarEntry? _entry;
    private string? _headerName;
    private string? _headerValue;
    private string? _messageType;
    private double? _messageTime;
    private int? _messageOpcode;
    private string? _messageData;
    private long _messageLength;

    /// <summary>Creates a reader that hands each entry to <paramref name="onEntry"/>.</summary>
    /// <param name="onEntry">Called with each entry as soon as it ends; the entry is not kept by the reader.</param>
    /// <param name="maxBytes">The largest input accepted.</param>
    public HarReader(Action<HarEntry> onEntry, long maxBytes = DefaultMaxBytes)
    {
        ArgumentNullException.ThrowIfNull(onEntry);
        _onEntry = onEntry;
        _maxBytes = maxBytes;
    }

    /// <summary><c>log.creator.name</c>: "WebInspector" for DevTools, "Firefox", "Playwright", …</summary>
    public string? CreatorName { get; private set; }

    /// <summary><c>log.creator.version</c>.</summary>
    public string? CreatorVersion { get; private set; }

    /// <summary><c>log.browser.name</c>, when the exporter writes it (Firefox and Playwright do).</summary>
    public string? BrowserName { get; private set; }

    /// <summary><c>log.browser.version</c>.</summary>
    public string? BrowserVersion { get; private set; }

    /// <summary>The entries read so far.</summary>
    public int EntryCount { get; private set; }

    /// <summary>The bytes fed so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>The most bytes the reader held at once: it stays near a chunk and a string's limit whatever the file's size.</summary>
    public int PeakBufferedBytes { get; private set; }

    /// <summary>Reads the next bytes of the file; <paramref name="isFinal"/> marks the last call (its bytes may be empty).</summary>
    /// <exception cref="HarFormatException">The bytes are not a HAR (not JSON, not shaped as a HAR), or break a limit.</exception>
    public void Feed(ReadOnlySpan<byte> utf8, bool isFinal)
    {
        if (_finished)
        {
            throw new InvalidOperationException("The HAR was already read to its end.");
        }
        BytesRead += utf8.Length;
        if (BytesRead > _maxBytes)
        {
            throw new HarFormatException($"The HAR is larger than {_maxBytes / (1024 * 1024)} MiB, the most this reader accepts.");
        }
        // A UTF-8 byte order mark is not JSON, and editors on Windows write one: skipped, however the first bytes are cut.
        while (_bomSeen < 3 && !utf8.IsEmpty)
        {
            if (utf8[0] == ByteOrderMark[_bomSeen])
            {
                _bomSeen++;
                utf8 = utf8[1..];
                continue;
            }
            // Not a mark after all: what was skipped goes to the parser (and is not JSON, which it will say).
            var skipped = ByteOrderMark[.._bomSeen];
            _bomSeen = 3;
            Process(skipped, isFinal: false);
        }
        Process(utf8, isFinal);
        if (isFinal)
        {
            _finished = true;
            if (!_sawEntries)
            {
                throw new HarFormatException("The JSON has no log.entries array, so it is not a HAR (HTTP Archive) file.");
            }
        }
    }

    /// <summary>Clips and parses <paramref name="utf8"/> a chunk at a time, so that the buffer stays near one chunk.</summary>
    private void Process(ReadOnlySpan<byte> utf8, bool isFinal)
    {
        do
        {
            var chunk = utf8[..Math.Min(utf8.Length, ChunkBytes)];
            utf8 = utf8[chunk.Length..];
            int room = _clipper.MaxOutputLength(chunk.Length);
            if (_buffer.Length < _length + room)
            {
                Array.Resize(ref _buffer, _length + room);
            }
            _length += _clipper.Transform(chunk, _buffer.AsSpan(_length));
            PeakBufferedBytes = Math.Max(PeakBufferedBytes, _length);
            Parse(isFinal && utf8.IsEmpty);
        }
        while (!utf8.IsEmpty);
    }

    private void Parse(bool isFinal)
    {
        var reader = new Utf8JsonReader(_buffer.AsSpan(0, _length), isFinal, _state);
        try
        {
            while (reader.Read())
            {
                OnToken(ref reader);
            }
        }
        catch (JsonException ex)
        {
            throw new HarFormatException($"The file is not valid JSON near byte {_consumed + reader.BytesConsumed} (after shortening long strings): {ex.Message}", ex);
        }
        int used = (int)reader.BytesConsumed;
        _state = reader.CurrentState;
        _consumed += used;
        int rest = _length - used;
        if (rest > MaxTokenBytes)
        {
            throw new HarFormatException($"A JSON value near byte {_consumed} is longer than {MaxTokenBytes / 1024} KiB and is not a string; no HAR holds such a value.");
        }
        _buffer.AsSpan(used, rest).CopyTo(_buffer);
        _length = rest;
        // Give back a buffer grown for one large call once it is mostly empty again.
        if (_buffer.Length > ChunkBytes * 4 && _length < ChunkBytes)
        {
            Array.Resize(ref _buffer, ChunkBytes * 2);
        }
    }

    private void OnToken(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.PropertyName:
                // Inside anything skipped (timings, cookies, pages), names are never looked at.
                if (_stack[^1].Context != Context.Other)
                {
                    _stack[^1] = _stack[^1] with { Property = Identify(ref reader) };
                }
                return;
            case JsonTokenType.StartObject or JsonTokenType.StartArray:
                Open(reader.TokenType == JsonTokenType.StartArray);
                return;
            case JsonTokenType.EndObject or JsonTokenType.EndArray:
                Close();
                return;
            case JsonTokenType.Comment or JsonTokenType.None:
                return;
        }
        if (_stack.Count == 0)
        {
            throw new HarFormatException("The file is a single JSON value, not a HAR: a HAR is an object with a log.");
        }
        var frame = _stack[^1];
        if (!frame.IsArray && frame.Context != Context.Other)
        {
            OnValue(ref reader, frame.Context, frame.Property);
        }
    }

    private void Open(bool isArray)
    {
        Context context;
        if (_stack.Count == 0)
        {
            context = isArray ? throw new HarFormatException("The file is a JSON array, not a HAR: a HAR is an object with a log.") : Context.Root;
        }
        else
        {
            var parent = _stack[^1];
            context = Transition(parent.Context, parent.IsArray ? Prop.Element : parent.Property, isArray);
        }
        _stack.Add(new Frame(context, isArray, Prop.None));
        switch (context)
        {
            case Context.Entries:
                _sawEntries = true;
                break;
            case Context.Entry:
                _entry = new HarEntry { Index = EntryCount };
                EntryCount++;
                break;
            case Context.RequestHeader or Context.ResponseHeader:
                _headerName = _headerValue = null;
                break;
            case Context.Messages:
                _entry!.Messages ??= new HarMessageSummary();
                break;
            case Context.Message:
                _messageType = _messageData = null;
                _messageTime = null;
                _messageOpcode = null;
                _messageLength = 0;
                break;
        }
    }

    private void Close()
    {
        var frame = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        switch (frame.Context)
        {
            case Context.Entry:
                var entry = _entry!;
                _entry = null;
                _onEntry(entry);
                break;
            case Context.RequestHeader:
                AddHeader(_entry!.RequestHeaders, request: true);
                break;
            case Context.ResponseHeader:
                AddHeader(_entry!.ResponseHeaders, request: false);
                break;
            case Context.Message:
                _entry!.Messages!.Add(_messageType, _messageTime, _messageOpcode, _messageData, _messageLength);
                break;
        }
    }

    private void AddHeader(List<HarHeader> headers, bool request)
    {
        if (_headerName is null)
        {
            return;
        }
        var entry = _entry!;
        string value = _headerValue ?? "";
        if (headers.Count >= HarEntry.MaxHeaders || entry.HeaderChars + _headerName.Length + value.Length > HarEntry.MaxHeaderChars)
        {
            if (request)
            {
                entry.RequestHeadersTruncated = true;
            }
            else
            {
                entry.ResponseHeadersTruncated = true;
            }
            return;
        }
        entry.HeaderChars += _headerName.Length + value.Length;
        headers.Add(new HarHeader(_headerName, value));
    }

    private void OnValue(ref Utf8JsonReader reader, Context context, Prop property)
    {
        var entry = _entry;
        switch (context, property)
        {
            case (Context.Creator, Prop.Name): CreatorName = ReadString(ref reader); break;
            case (Context.Creator, Prop.Version): CreatorVersion = ReadString(ref reader); break;
            case (Context.Browser, Prop.Name): BrowserName = ReadString(ref reader); break;
            case (Context.Browser, Prop.Version): BrowserVersion = ReadString(ref reader); break;
            case (Context.Entry, Prop.StartedDateTime): entry!.StartedDateTime = ReadString(ref reader); break;
            case (Context.Entry, Prop.ResourceType): entry!.ResourceType = ReadString(ref reader); break;
            case (Context.Request, Prop.Method): entry!.Method = ReadString(ref reader); break;
            case (Context.Request, Prop.Url): entry!.Url = ReadString(ref reader); break;
            case (Context.Request, Prop.HttpVersion): entry!.RequestHttpVersion = ReadString(ref reader); break;
            case (Context.RequestHeader or Context.ResponseHeader, Prop.Name): _headerName = ReadString(ref reader); break;
            case (Context.RequestHeader or Context.ResponseHeader, Prop.Value): _headerValue = ReadString(ref reader); break;
            case (Context.Response, Prop.Status): entry!.Status = ReadInt(ref reader); break;
            case (Context.Response, Prop.StatusText): entry!.StatusText = ReadString(ref reader); break;
            case (Context.Response, Prop.HttpVersion): entry!.ResponseHttpVersion = ReadString(ref reader); break;
            case (Context.Response, Prop.Error): entry!.Error = ReadString(ref reader); break;
            case (Context.Response, Prop.FailureText): entry!.FailureText = ReadString(ref reader); break;
            case (Context.Content, Prop.MimeType): entry!.ContentMimeType = ReadString(ref reader); break;
            case (Context.Content, Prop.Text):
                if (ReadString(ref reader) is { } text && entry!.BodyPreview is not "")
                {
                    entry.BodyPreview = text.Length <= HarEntry.MaxBodyPreview ? text : text[..HarEntry.MaxBodyPreview];
                }
                break;
            case (Context.Content, Prop.Encoding):
                // A base64 body is binary: nothing to quote. "" marks it so that a text read later is dropped too.
                if (ReadString(ref reader) == "base64")
                {
                    entry!.BodyPreview = "";
                }
                break;
            case (Context.Message, Prop.Type): _messageType = ReadString(ref reader); break;
            case (Context.Message, Prop.Time): _messageTime = reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out double t) ? t : null; break;
            case (Context.Message, Prop.Opcode): _messageOpcode = ReadInt(ref reader); break;
            case (Context.Message, Prop.Data): ReadData(ref reader); break;
        }
    }

    /// <summary>A frame's payload: its length always, its text only when short (a close frame, an error), never a whole large payload.</summary>
    private void ReadData(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return;
        }
        if (!reader.ValueIsEscaped)
        {
            _messageLength = reader.ValueSpan.Length;
            _messageData = _messageLength <= 256 ? ReadString(ref reader) : null;
        }
        else if (JsonStringClipper.TryReadClippedLength(reader.ValueSpan, out long whole))
        {
            _messageLength = whole;
            _messageData = null;
        }
        else
        {
            string text = ReadString(ref reader) ?? "";
            _messageLength = System.Text.Encoding.UTF8.GetByteCount(text);
            _messageData = text.Length <= 256 ? text : null;
        }
    }

    private static string? ReadString(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return null;
        }
        string value;
        try
        {
            value = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return "(not valid UTF-8)";
        }
        string kept = JsonStringClipper.Unclip(value, out _, out bool clipped);
        return clipped ? kept + "…" : kept;
    }

    private static int? ReadInt(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out double d) && d is >= int.MinValue and <= int.MaxValue ? (int)d : null;

    private static Context Transition(Context parent, Prop key, bool isArray) => (parent, key, isArray) switch
    {
        (Context.Root, Prop.Log, false) => Context.Log,
        (Context.Log, Prop.Creator, false) => Context.Creator,
        (Context.Log, Prop.Browser, false) => Context.Browser,
        (Context.Log, Prop.Entries, true) => Context.Entries,
        (Context.Entries, Prop.Element, false) => Context.Entry,
        (Context.Entry, Prop.Request, false) => Context.Request,
        (Context.Entry, Prop.Response, false) => Context.Response,
        (Context.Entry, Prop.WebSocketMessages, true) => Context.Messages,
        (Context.Request, Prop.Headers, true) => Context.RequestHeaders,
        (Context.RequestHeaders, Prop.Element, false) => Context.RequestHeader,
        (Context.Response, Prop.Headers, true) => Context.ResponseHeaders,
        (Context.ResponseHeaders, Prop.Element, false) => Context.ResponseHeader,
        (Context.Response, Prop.Content, false) => Context.Content,
        (Context.Messages, Prop.Element, false) => Context.Message,
        _ => Context.Other,
    };

    private static Prop Identify(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("log"u8) ? Prop.Log
        : reader.ValueTextEquals("creator"u8) ? Prop.Creator
        : reader.ValueTextEquals("browser"u8) ? Prop.Browser
        : reader.ValueTextEquals("name"u8) ? Prop.Name
        : reader.ValueTextEquals("version"u8) ? Prop.Version
        : reader.ValueTextEquals("entries"u8) ? Prop.Entries
        : reader.ValueTextEquals("startedDateTime"u8) ? Prop.StartedDateTime
        : reader.ValueTextEquals("_resourceType"u8) ? Prop.ResourceType
        : reader.ValueTextEquals("request"u8) ? Prop.Request
        : reader.ValueTextEquals("response"u8) ? Prop.Response
        : reader.ValueTextEquals("method"u8) ? Prop.Method
        : reader.ValueTextEquals("url"u8) ? Prop.Url
        : reader.ValueTextEquals("httpVersion"u8) ? Prop.HttpVersion
        : reader.ValueTextEquals("headers"u8) ? Prop.Headers
        : reader.ValueTextEquals("value"u8) ? Prop.Value
        : reader.ValueTextEquals("status"u8) ? Prop.Status
        : reader.ValueTextEquals("statusText"u8) ? Prop.StatusText
        : reader.ValueTextEquals("content"u8) ? Prop.Content
        : reader.ValueTextEquals("mimeType"u8) ? Prop.MimeType
        : reader.ValueTextEquals("text"u8) ? Prop.Text
        : reader.ValueTextEquals("encoding"u8) ? Prop.Encoding
        : reader.ValueTextEquals("_error"u8) ? Prop.Error
        : reader.ValueTextEquals("_failureText"u8) ? Prop.FailureText
        : reader.ValueTextEquals("_webSocketMessages"u8) ? Prop.WebSocketMessages
        : reader.ValueTextEquals("type"u8) ? Prop.Type
        : reader.ValueTextEquals("time"u8) ? Prop.Time
        : reader.ValueTextEquals("opcode"u8) ? Prop.Opcode
        : reader.ValueTextEquals("data"u8) ? Prop.Data
        : Prop.None;
}
