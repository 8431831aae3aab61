namespace Ws101.PubSub;

/// <summary>What a frame of a positioned subscription says (<see cref="PositionedMessage"/>).</summary>
public enum PositionedMessageKind
{
    /// <summary><c>{"position": "...", "data": "..."}</c> or <c>{"position": "...", "base64": "..."}</c>: a message of the topic.</summary>
    Message,

    /// <summary><c>{"recovered": true, "missed": N}</c>: the N messages missed since the position resumed from follow, then the live ones.</summary>
    Recovered,

    /// <summary><c>{"recovered": false}</c>: the history no longer reaches back that far; live messages follow, and the application should resync.</summary>
    NotRecovered,
}
