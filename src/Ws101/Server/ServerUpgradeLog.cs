using Microsoft.Extensions.Logging;
using Ws101.Diagnostics;
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
            ServerLog.UpgradeCheckFailed(logger, error, remote);
        }
        // The join is built only when the line is wanted.
        if (upgrade.DeclinedOffers.Count > 0 && logger.IsEnabled(LogLevel.Debug))
        {
            ServerLog.DeflateOffersDeclined(logger, remote, string.Join(" | ", upgrade.DeclinedOffers));
        }
    }

    /// <summary>Counts and logs an upgrade whose 101 went out.</summary>
    public static void Accepted(ILogger logger, object? remote, string path)
    {
        Ws101Metrics.HandshakesAccepted.Add(1);
        ServerLog.Upgraded(logger, remote, path);
    }

    /// <summary>Counts each problem of a refusal and logs them with the status sent.</summary>
    public static void Refused(ILogger logger, object? remote, HandshakeRejection rejection)
    {
        foreach (var p in rejection.Problems)
        {
            Ws101Metrics.Rejected(p.Id);
        }
        if (logger.IsEnabled(LogLevel.Information))
        {
            ServerLog.UpgradeRefused(logger, remote, rejection.StatusCode,
                string.Join("; ", rejection.Problems.Select(p => p.Actual is null ? p.Id : $"{p.Id} ({p.Actual})")));
        }
    }
}
