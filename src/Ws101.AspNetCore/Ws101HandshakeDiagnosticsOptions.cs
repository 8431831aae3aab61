namespace Ws101.AspNetCore;

/// <summary>How <see cref="Ws101HandshakeDiagnosticsExtensions.UseWs101HandshakeDiagnostics"/> treats an invalid WebSocket upgrade.</summary>
public sealed class Ws101HandshakeDiagnosticsOptions
{
    /// <summary>
    /// When true, an invalid upgrade is answered here, with the status that names the failure (400, 405, 426, 431) and a
    /// plain-text body listing each problem, and goes no further. When false (the default) it is logged and counted, then
    /// passed on untouched to the rest of the pipeline, which answers as it always did.
    /// </summary>
    public bool RespondToInvalidUpgrades { get; set; }
}
