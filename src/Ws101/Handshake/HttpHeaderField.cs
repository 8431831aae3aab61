namespace Ws101.Handshake;

/// <summary>One header line: its name as sent, its value with surrounding whitespace removed, and its line number.</summary>
/// <param name="Name">The field name, case preserved.</param>
/// <param name="Value">The field value without leading or trailing spaces and tabs.</param>
/// <param name="Line">The 1-based line of the head (the start line is line 1).</param>
internal readonly record struct HttpHeaderField(string Name, string Value, int Line);
