namespace Ws101.Handshake;

/// <summary>One parameter of an extension offer or response (RFC 6455 §9.1): a token, optionally with a value.</summary>
/// <param name="Name">The parameter name, such as <c>client_max_window_bits</c>.</param>
/// <param name="Value">The value after unquoting, or null when the parameter has none.</param>
internal sealed record ExtensionParameter(string Name, string? Value)
{
    /// <inheritdoc />
    public override string ToString() => Value is null ? Name : $"{Name}={Value}";
}
