namespace Ws101.Handshake;

/// <summary>The result of parsing an HTTP head: a value when complete, a problem when invalid.</summary>
/// <typeparam name="T">The head type.</typeparam>
internal readonly struct HttpParseResult<T> where T : class
{
    private HttpParseResult(HttpParseStatus status, T? head, int consumed, HandshakeProblem? problem)
    {
        Status = status;
        Head = head;
        BytesConsumed = consumed;
        Problem = problem;
    }

    /// <summary>Whether the head is complete, needs more bytes, or is invalid.</summary>
    public HttpParseStatus Status { get; }

    /// <summary>The parsed head when <see cref="Status"/> is <see cref="HttpParseStatus.Complete"/>.</summary>
    public T? Head { get; }

    /// <summary>The bytes the head took, its final empty line included; bytes after it belong to the WebSocket stream.</summary>
    public int BytesConsumed { get; }

    /// <summary>Why the head is invalid, when <see cref="Status"/> is <see cref="HttpParseStatus.Invalid"/>.</summary>
    public HandshakeProblem? Problem { get; }

    internal static HttpParseResult<T> Complete(T head, int consumed) => new(HttpParseStatus.Complete, head, consumed, null);

    internal static HttpParseResult<T> NeedMoreData { get; } = new(HttpParseStatus.NeedMoreData, null, 0, null);

    internal static HttpParseResult<T> Invalid(HandshakeProblem problem) => new(HttpParseStatus.Invalid, null, 0, problem);
}
