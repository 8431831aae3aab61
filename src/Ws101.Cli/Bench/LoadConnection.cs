using System.Runtime.CompilerServices;
using Ws101.Handshake;
using Ws101.Protocol;

namespace Ws101.Cli.Bench;

/// <summary>
/// One connection of a load loop: its socket, what is left to write, the upgrade in progress, and the frame being read.
/// Only its loop's thread touches it; the loop holds the protocol logic (<see cref="LoadLoop"/>).
/// </summary>
internal sealed class LoadConnection(int index)
{
    /// <summary>Its slot in the loop, also its epoll data.</summary>
    public readonly int Index = index;

    /// <summary>The socket, or -1.</summary>
    public int Fd = -1;

    public LoadPhase Phase;

    /// <summary>When the connect started (for the timeout and the upgrade latency).</summary>
    public long StartedAt;

    // ---- writing: one buffer in progress, then frames queued behind it (rare: pongs and closes) ----

    public byte[]? Out;
    public int OutOffset;
    public int OutEnd;
    public Queue<byte[]>? Queued;
    public bool WantsWritable;

    // ---- the upgrade ----

    public ClientHandshakeRequest? Request;
    public byte[]? Head;
    public int HeadLength;

    // ---- the frame being read (RFC 6455 §5.2) ----

    public HeaderBytes Header;
    public int HeaderLength;
    public bool InPayload;
    public long Remaining;

    /// <summary>The opcode of the frame being read (a control frame may arrive between the fragments of a message).</summary>
    public Opcode FrameOpcode;
    public bool FrameFin;

    /// <summary>The opcode of the data message in progress, or 0 (continuation) when none is.</summary>
    public Opcode MessageOpcode;

    /// <summary>Payload bytes of the data message in progress so far.</summary>
    public long MessageLength;

    /// <summary>Whether the message so far matches what was expected.</summary>
    public bool MessageMatches;

    /// <summary>The control frame's payload so far (at most 125 bytes, §5.5).</summary>
    public byte[]? Control;
    public int ControlLength;

    // ---- the workload ----

    /// <summary>Echo: when the message in flight was sent.</summary>
    public long SentAt;

    /// <summary>Echo: messages sent, choosing the masked copy to send next.</summary>
    public int Sent;

    /// <summary>Fanout subscriber: the start of the message in progress, which carries the publisher's stamp.</summary>
    public StampBytes Stamp;

    /// <summary>Whether this connection publishes (fanout).</summary>
    public bool IsPublisher;

    /// <summary>Clears everything but the index, for the next connection in this slot.</summary>
    public void Reset()
    {
        Fd = -1;
        Phase = LoadPhase.Free;
        Out = null;
        OutOffset = OutEnd = 0;
        Queued?.Clear();
        WantsWritable = false;
        Request = null;
        Head = null;
        HeadLength = 0;
        HeaderLength = 0;
        InPayload = false;
        Remaining = 0;
        MessageOpcode = Opcode.Continuation;
        MessageLength = 0;
        ControlLength = 0;
    }

    /// <summary>Room for a frame header split across reads.</summary>
    [InlineArray(FrameHeader.MaxLength)]
    public struct HeaderBytes
    {
        private byte _first;
    }

    /// <summary>Room for a fanout stamp split across reads.</summary>
    [InlineArray(FanoutStamp.MaxLength)]
    public struct StampBytes
    {
        private byte _first;
    }
}
