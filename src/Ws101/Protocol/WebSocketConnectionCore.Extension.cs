using System.Buffers;

namespace Ws101.Protocol;

public sealed partial class WebSocketConnectionCore
{
    /// <summary>
    /// Fails the connection on behalf of a negotiated extension that found the payload it decodes invalid (RFC 6455
    /// §7.1.7), e.g. permessage-deflate on data that does not inflate (1007) or inflates beyond
    /// <see cref="ProtocolOptions.MaxMessageSize"/> (1009): queues the close frame, stops reading, and returns the
    /// <see cref="ProtocolEventKind.Error"/> event to report.
    /// </summary>
    public ProtocolEvent FailForExtension(CloseCode code, string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var nothing = ReadOnlySequence<byte>.Empty;
        return Fail(ref nothing, code, reason);
    }
}
