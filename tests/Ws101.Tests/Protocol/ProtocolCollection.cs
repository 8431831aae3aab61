namespace Ws101.Tests.Protocol;

/// <summary>
/// The protocol tests allocate a lot (property tests, megabyte messages, trickled transcripts). Run in parallel with
/// other tests, the garbage collections they trigger make other threads' <c>GC.GetAllocatedBytesForCurrentThread</c>
/// readings unreliable (the handshake layer's zero-allocation test failed about one run in five). So they run as one
/// collection, by themselves, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProtocolCollection
{
    public const string Name = "Protocol (not in parallel)";
}
