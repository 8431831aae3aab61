using System.Diagnostics;

namespace Ws101;

/// <summary>
/// The library's traces (<see cref="Ws101Telemetry.ActivitySourceName"/>): one span per opening handshake the server (or
/// MapWs101) answers, named <see cref="Ws101Telemetry.UpgradeSpanName"/> (see <c>ServerUpgradeLog</c>).
/// </summary>
internal static class Ws101ActivitySource
{
    internal static readonly ActivitySource Source = new(Ws101Telemetry.ActivitySourceName, "1.0");
}
