using Ws101.Protocol;

namespace Ws101;

/// <summary>How received data messages are handed to the application (RFC 6455 §5.4 fragmentation).</summary>
public enum ReceiveMode
{
    /// <summary>
    /// Fragments are reassembled into one reusable pooled buffer and the message is delivered whole as one
    /// <see cref="ProtocolEventKind.Message"/> event, at most <see cref="ProtocolOptions.MaxMessageSize"/> bytes.
    /// A message that arrives as one frame within one read is delivered straight from the transport's buffer.
    /// </summary>
    WholeMessages,

    /// <summary>
    /// Payload bytes are delivered as they arrive, as <see cref="ProtocolEventKind.Fragment"/> events that point
    /// into the transport's buffer; nothing is buffered. The chunks depend on how the bytes were read, not
    /// only on the sender's frames; <see cref="ProtocolEvent.EndOfMessage"/> marks the last one. Text is validated as
    /// it arrives, but a chunk may end inside a code point: decode with a stateful <see cref="System.Text.Decoder"/>.
    /// </summary>
    Streaming,
}
