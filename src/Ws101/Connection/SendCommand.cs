using System.Buffers;
using Ws101.Compression;
using Ws101.Protocol;

namespace Ws101;

/// <summary>One thing a connection is asked to send, as the core frames it.</summary>
internal readonly record struct SendCommand(SendCommand.Kind What, string? Text, ReadOnlyMemory<byte> Data, WebSocketMessageKind Type = default,
    bool EndOfMessage = true, MessageCompression Compression = MessageCompression.Auto, CloseCode CloseCode = CloseCode.NormalClosure)
{
    public enum Kind : byte
    {
        /// <summary>Nothing of its own: only the automatic replies the receive side queued.</summary>
        Pending,
        Text,
        Message,
        Part,
        Ping,
        Close,
    }

    public static SendCommand Pending => default;

    /// <summary>True for a data message (or part), which the metrics count as sent.</summary>
    public bool IsData => What is Kind.Text or Kind.Message or Kind.Part;

    /// <summary>
    /// Frames the command as <see cref="WriteTo"/> does, but for a data payload of at least <paramref name="minimum"/> bytes
    /// that goes on the wire as it is, writes only the frame header and returns true: the payload is to be sent from
    /// <see cref="Data"/> right behind it.
    /// </summary>
    public bool WriteHeaderTo(WebSocketConnectionCore core, IBufferWriter<byte> output, int minimum)
    {
        if (What is Kind.Message or Kind.Part && Data.Length >= minimum)
        {
            return core.WriteDataHeader(output, Type, Data.Span, EndOfMessage, Compression, streamed: What == Kind.Part);
        }
        WriteTo(core, output);
        return false;
    }

    /// <summary>Frames the command through <paramref name="core"/>, which refuses what may not be sent now.</summary>
    /// <exception cref="InvalidOperationException">The connection is closing, or a streamed message is unfinished.</exception>
    public void WriteTo(WebSocketConnectionCore core, IBufferWriter<byte> output)
    {
        switch (What)
        {
            case Kind.Text:
                core.WriteText(output, Text, Compression);
                break;
            case Kind.Message:
                core.WriteMessage(output, Type, Data.Span, Compression);
                break;
            case Kind.Part:
                core.WriteFragment(output, Type, Data.Span, EndOfMessage, Compression);
                break;
            case Kind.Ping:
                core.WritePing(output, Data.Span);
                break;
            case Kind.Close:
                core.WriteClose(output, CloseCode, Text);
                break;
        }
    }
}
