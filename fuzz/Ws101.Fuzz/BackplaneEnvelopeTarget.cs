using Ws101.PubSub;

namespace Ws101.Fuzz;

/// <summary>
/// The envelope a topic message travels in between nodes (<see cref="BackplaneEnvelope"/>), read from a backplane
/// that another node, or anyone who can publish to Redis, writes. Input: the envelope bytes, as they came.
/// </summary>
/// <remarks>
/// No exception is expected: a bad envelope is false with a reason. Checked: a decoded envelope encodes back to exactly
/// the same bytes (so nothing is read loosely), and its payload offset lies within it.
/// </remarks>
internal static class BackplaneEnvelopeTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        if (!BackplaneEnvelope.TryDecode(input, out var message, out string? problem))
        {
            Invariant.Holds(problem is not null, "refused without a reason");
            return;
        }
        Invariant.Holds(problem is null, $"decoded with a problem: {problem}");
        Invariant.Holds(message.PayloadOffset >= BackplaneEnvelope.HeaderLength && message.PayloadOffset <= input.Length,
            $"payload offset {message.PayloadOffset} in {input.Length} bytes");
        byte[] again = BackplaneEnvelope.Encode(message.Node, message.Sequence, message.Topic, message.Kind, input[message.PayloadOffset..]);
        Invariant.Holds(again.AsSpan().SequenceEqual(input), "the decoded envelope encodes to different bytes");
    }
}
