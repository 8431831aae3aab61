namespace Ws101.Handshake;

/// <summary>One header of a HAR request or response, as the browser recorded it.</summary>
/// <param name="Name">The header's name (HTTP/2 entries include pseudo-headers such as <c>:protocol</c>).</param>
/// <param name="Value">The value, clipped to the reader's string limit.</param>
internal readonly record struct HarHeader(string Name, string Value);
