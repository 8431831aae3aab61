namespace Ws101.Server;

/// <summary>What <see cref="SurgeMemoryRelease"/> decided on a tick.</summary>
internal enum SurgeRelease
{
    /// <summary>Nothing to release.</summary>
    None,

    /// <summary>A surge of connections came in and the count stopped growing: its handshakes' garbage is released.</summary>
    Arrived,

    /// <summary>A surge of connections went away and the count stayed low: their memory is released.</summary>
    Gone,
}
