using System.Text;

namespace Ws101.Handshake;

/// <summary>
/// What a HAR entry's WebSocket frames add up to (Chromium writes them in <c>_webSocketMessages</c>): messages and
/// bytes each way, the close, the errors the browser recorded, and the time of the first and last frame. Payloads are
/// counted, never kept.
/// </summary>
internal sealed class HarMessageSummary
{
    /// <summary>The most error texts kept.</summary>
    public const int MaxErrors = 5;

    private readonly List<string> _errors = [];

    /// <summary>Data messages the browser sent.</summary>
    public long SentCount { get; private set; }

    /// <summary>Data messages the browser received.</summary>
    public long ReceivedCount { get; private set; }

    /// <summary>Payload bytes sent (text as UTF-8, binary decoded from base64).</summary>
    public long SentBytes { get; private set; }

    /// <summary>Payload bytes received.</summary>
    public long ReceivedBytes { get; private set; }

    /// <summary>Control frames recorded (ping, pong, close), either way.</summary>
    public long ControlCount { get; private set; }

    /// <summary>The close code of a recorded close frame, the last one seen.</summary>
    public int? CloseCode { get; private set; }

    /// <summary>The reason of that close frame.</summary>
    public string? CloseReason { get; private set; }

    /// <summary>Who sent that close frame: "send" (the browser) or "receive" (the server).</summary>
    public string? CloseDirection { get; private set; }

    /// <summary>The errors the browser recorded among the frames (DevTools writes them with type "error").</summary>
    public IReadOnlyList<string> Errors => _errors;

    /// <summary>The first frame's time, in seconds since 1970.</summary>
    public double? FirstTime { get; private set; }

    /// <summary>The last frame's time, in seconds since 1970.</summary>
    public double? LastTime { get; private set; }

    /// <summary>Counts one recorded frame.</summary>
    /// <param name="type">"send", "receive" or "error".</param>
    /// <param name="time">Its time: seconds since 1970 (DevTools) or milliseconds (Playwright); negative when not recorded.</param>
    /// <param name="opcode">Its opcode (1 text, 2 binary, 8 close, 9 ping, 10 pong; -1 for an error).</param>
    /// <param name="data">Its payload as recorded (text, or base64 for binary and control frames), possibly clipped.</param>
    /// <param name="dataLength">The whole payload's length in UTF-8 bytes as recorded.</param>
    public void Add(string? type, double? time, int? opcode, string? data, long dataLength)
    {
        if (time is double t && t > 0)
        {
            // Seconds since 1970 are about 1.8e9 now; a value above 1e11 can only be milliseconds.
            double seconds = t > 1e11 ? t / 1000 : t;
            FirstTime = FirstTime is double f ? Math.Min(f, seconds) : seconds;
            LastTime = LastTime is double l ? Math.Max(l, seconds) : seconds;
        }
        if (type == "error")
        {
            if (_errors.Count < MaxErrors && !string.IsNullOrEmpty(data))
            {
                _errors.Add(data);
            }
            return;
        }
        bool sent = type == "send";
        switch (opcode)
        {
            case 1 or 2 or 0:
                long bytes = opcode == 2 ? Base64Length(dataLength, data) : dataLength;
                if (sent)
                {
                    SentCount++;
                    SentBytes += bytes;
                }
                else
                {
                    ReceivedCount++;
                    ReceivedBytes += bytes;
                }
                break;
            case 8:
                ControlCount++;
                CloseDirection = sent ? "send" : "receive";
                ReadClose(data);
                break;
            default:
                ControlCount++;
                break;
        }
    }

    /// <summary>RFC 4648 §4: 4 characters carry 3 bytes; '=' pads the end.</summary>
    private static long Base64Length(long characters, string? data)
    {
        int padding = data is null || data.Length < characters ? 0 : data.EndsWith("==", StringComparison.Ordinal) ? 2 : data.EndsWith('=') ? 1 : 0;
        return Math.Max(0, characters / 4 * 3 - padding);
    }

    /// <summary>A close frame's payload (RFC 6455 §5.5.1): a 2-byte code and a UTF-8 reason, recorded as base64 or as text.</summary>
    private void ReadClose(string? data)
    {
        CloseCode = null;
        CloseReason = null;
        if (string.IsNullOrEmpty(data))
        {
            return;
        }
        byte[] payload;
        var buffer = new byte[data.Length];
        if (Convert.TryFromBase64String(data, buffer, out int written))
        {
            payload = buffer[..written];
        }
        else if (data.All(c => c < 256))
        {
            payload = Encoding.Latin1.GetBytes(data);
        }
        else
        {
            return;
        }
        if (payload.Length >= 2)
        {
            CloseCode = (payload[0] << 8) | payload[1];
            CloseReason = Encoding.UTF8.GetString(payload, 2, payload.Length - 2);
        }
    }
}
