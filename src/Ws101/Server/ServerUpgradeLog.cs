using Microsoft.Extensions.Logging;
using Ws101.Handshake;

namespace Ws101.Server;

/// <summary>
/// The logs and metrics of an upgrade's outcome, the same for <see cref="WebSocketServer"/> and the ASP.NET Core adapter:
/// a refusal counts each problem code and logs them; an acceptance counts and logs the upgrade; a failed application
/// callback is logged as an error, declined compression offers at debug level.
/// </summary>
internal static class ServerUpgradeLog
{
    /// <summary>Logs what the decision leaves for the log: the application's failure (answered with 500), and the declined offers.</summary>
    public static void Decided(ILogger logger, object? remote, in ServerUpgradeResult upgrade)
    {
        if (upgrade.Error is { } error)
        {
            logger.LogError(error, "The upgrade check for {Remote} failed; answering 500", remote);
        }
        if (upgrade.DeclinedOffers.Count > 0)
        {
            logger.LogDebug("{Remote}: declined permessage-deflate offers (RFC 7692 §7.1): {Offers}", remote, string.Join(" | ", upgrade.DeclinedOffers));
        }
    }

    /// <summary>Counts and logs an upgrade whose 101 (over HTTP/2, whose 200) went out, with the HTTP version that carried it.</summary>
    public static void Accepted(ILogger logger, object? remote, string path, Version httpVersion)
    {
        Ws101Metrics.Accepted(httpVersion);
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("Upgraded {Remote} on {Path} over HTTP/{HttpVersion}", remote, path, Ws101Metrics.VersionText(httpVersion));
        }
    }

    /// <summary>Counts each problem of a refusal and logs them with the status sent and the HTTP version of the request.</summary>
    public static void Refused(ILogger logger, object? remote, HandshakeRejection rejection, Version httpVersion)
    {
        foreach (var p in rejection.Problems)
        {
            Ws101Metrics.Rejected(p.Id, httpVersion);
        }
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("Refused the upgrade from {Remote} over HTTP/{HttpVersion} with {Status}: {Problems}", remote,
                Ws101Metrics.VersionText(httpVersion), rejection.StatusCode,
                string.Join("; ", rejection.Problems.Select(p => p.Actual is null ? p.Id : $"{p.Id} ({p.Actual})")));
        }
    }
}
