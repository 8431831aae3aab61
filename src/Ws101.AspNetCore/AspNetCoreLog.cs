using Microsoft.Extensions.Logging;

namespace Ws101.AspNetCore;

/// <summary>
/// Every line the ASP.NET Core adapter logs itself (the upgrade's outcome goes through the server's own lines),
/// source-generated. Event ids 4000–4099 are stable; they are listed in docs/observability.md.
/// </summary>
internal static partial class AspNetCoreLog
{
    [LoggerMessage(4000, LogLevel.Error, "The handler for {Path} failed; closing with 1011")]
    public static partial void HandlerFailed(ILogger logger, Exception error, string path);

    [LoggerMessage(4001, LogLevel.Warning, "Invalid WebSocket upgrade {Method} {Path} from {Remote}: {ProblemCodes}. {Problems}")]
    public static partial void InvalidUpgrade(ILogger logger, string method, string path, string remote, string problemCodes, string problems);
}
