namespace Ws101.Cli.Bench;

/// <summary>One line of the error report.</summary>
/// <param name="Kind">connect, handshake, closed, protocol or timeout.</param>
/// <param name="Detail">The problem code, close code or message.</param>
/// <param name="Count">How many times.</param>
/// <param name="Example">The first one's message.</param>
internal sealed record ErrorCount(string Kind, string Detail, long Count, string Example);
