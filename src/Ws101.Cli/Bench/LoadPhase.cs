namespace Ws101.Cli.Bench;

/// <summary>Where a load connection is in its life.</summary>
internal enum LoadPhase
{
    /// <summary>No socket (not opened yet, or closed).</summary>
    Free,

    /// <summary>The TCP connect is in progress.</summary>
    Connecting,

    /// <summary>The upgrade request is sent; waiting for the response head.</summary>
    Upgrading,

    /// <summary>Upgraded: messages flow.</summary>
    Open,

    /// <summary>This side sent its close frame and waits for the server's.</summary>
    Closing,
}
