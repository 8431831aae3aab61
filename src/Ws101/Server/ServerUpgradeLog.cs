using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Ws101.Handshake;

namespace Ws101.Server;

/// <summary>
/// The logs, metrics and trace of an upgrade's outcome, the same for <see cref="WebSocketServer"/> and the ASP.NET Core adapter:
/// a refusal counts the handshake with its first problem code, logs every problem, and ends the upgrade's span with an
/// error status; an acceptance counts, logs and ends the span with the negotiated subprotocol and extensions; a failed
/// application callback is logged as an error, declined compression offers at debug level.
/// </summary>
internal static class ServerUpgradeLog
{
    /// <summary>
    /// Starts the span of an upgrade (null without a listener; then nothing is recorded). <paramref name="kind"/> is Server
    /// when Ws101 is the HTTP server, Internal under a host (ASP.NET Core) whose own request span is the server span.
    /// </summary>
    public static Activity? Start(string method, string path, Version httpVersion, System.Net.IPEndPoint? remote, ActivityKind kind)
    {
        var activity = Ws101ActivitySource.Source.StartActivity(Ws101Telemetry.UpgradeSpanName, kind);
        if (activity is { IsAllDataRequested: true })
        {
            // OpenTelemetry's HTTP server attributes (semantic conventions: http.request.method, url.path, network.protocol.*, client.*).
            // Empty for a request too malformed to have them.
            if (method.Length > 0)
            {
                activity.SetTag("http.request.method", method);
                activity.SetTag("url.path", path);
            }
            activity.SetTag("network.protocol.name", "http");
            activity.SetTag(Ws101Metrics.ProtocolVersionTag, Ws101Metrics.VersionText(httpVersion));
            if (remote is not null)
            {
                activity.SetTag("client.address", remote.Address.ToString());
                activity.SetTag("client.port", remote.Port);
            }
        }
        return activity;
    }

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

    /// <summary>
    /// Counts, logs and ends the span of an upgrade whose 101 (over HTTP/2, whose 200) went out, with the HTTP version
    /// that carried it.
    /// </summary>
    public static void Accepted(ILogger logger, object? remote, in ServerUpgradeResult upgrade, Version httpVersion, Activity? activity)
    {
        Ws101Metrics.Upgraded(httpVersion);
        ServerLog.Upgraded(logger, remote, upgrade.Request!.Path, Ws101Metrics.VersionText(httpVersion));
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("http.response.status_code", Ws101Metrics.AcceptedStatus(httpVersion));
            activity.SetTag("ws101.upgrade.outcome", "accepted");
            if (upgrade.Subprotocol is { } subprotocol)
            {
                activity.SetTag("ws101.websocket.subprotocol", subprotocol);
            }
            if (upgrade.Info!.Extensions.Count > 0)
            {
                activity.SetTag("ws101.websocket.extensions", string.Join(", ", upgrade.Info.Extensions));
            }
        }
        activity?.Dispose();
    }

    /// <summary>
    /// Counts the refused handshake once (its first problem is the error.type) with the HTTP version of the request, logs
    /// every problem with the status sent and that version, and ends the span as an error.
    /// </summary>
    public static void Refused(ILogger logger, object? remote, HandshakeRejection rejection, Version httpVersion, Activity? activity)
    {
        var first = rejection.Problems[0];
        Ws101Metrics.Rejected(first.Id, rejection.StatusCode, httpVersion);
        if (logger.IsEnabled(LogLevel.Information))
        {
            ServerLog.UpgradeRefused(logger, remote, Ws101Metrics.VersionText(httpVersion), rejection.StatusCode,
                string.Join("; ", rejection.Problems.Select(p => p.Actual is null ? p.Id : $"{p.Id} ({p.Actual})")));
        }
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("http.response.status_code", rejection.StatusCode);
            activity.SetTag("ws101.upgrade.outcome", "refused");
            // OpenTelemetry's error.type: a low-cardinality code of the failure, here the HandshakeProblem code.
            activity.SetTag("error.type", first.Id);
            activity.SetTag("ws101.handshake.problems", rejection.Problems.Select(p => p.Id).ToArray());
            activity.SetStatus(ActivityStatusCode.Error, first.Explanation);
        }
        activity?.Dispose();
    }
}
