using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using Ws101.Handshake;
using Ws101.Server;
using Ws101.Tests.Diagnostics;

namespace Ws101.Tests.Server;

/// <summary>
/// The outcome of an upgrade carried over HTTP/2 (an RFC 8441 extended CONNECT under MapWs101) is told apart from an HTTP/1.1
/// one in all three channels: the log line says "over HTTP/2", ws101.server.handshakes carries network.protocol.version 2,
/// and so does the span. Runs alone: the meter is process-wide.
/// </summary>
[Collection(nameof(ConcurrencyTests))]
public class ServerUpgradeLogTests
{
    [Fact]
    public void a_refusal_over_http2_is_logged_counted_and_traced_with_its_http_version()
    {
        var lines = new ConcurrentQueue<string>();
        ILogger logger = new ListLoggerFactory(lines).CreateLogger("Ws101.AspNetCore");
        using var recorder = new MetricRecorder();
        string path = $"/h2-refused-{Guid.NewGuid():N}";
        Activity? stopped = null;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == Ws101Telemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => stopped = Equals(activity.GetTagItem("url.path"), path) ? activity : stopped,
        };
        ActivitySource.AddActivityListener(listener);
        var remote = new IPEndPoint(IPAddress.Loopback, 50412);

        var span = ServerUpgradeLog.Start("CONNECT", path, HttpVersion.Version20, remote, ActivityKind.Internal);
        ServerUpgradeLog.Refused(logger, remote, HandshakeRejection.ByApplication(403, "members only"), HttpVersion.Version20, span);

        Assert.Contains("Refused the upgrade from 127.0.0.1:50412 over HTTP/2 with 403: rejected-by-application", lines.Single(), StringComparison.Ordinal);
        Assert.Equal(1, recorder.Get("ws101.server.handshakes[error.type=rejected-by-application][http.response.status_code=403][network.protocol.version=2]"));
        Assert.NotNull(stopped);
        Assert.Equal("2", stopped.GetTagItem("network.protocol.version"));
        Assert.Equal(403, stopped.GetTagItem("http.response.status_code"));
        Assert.Equal(ActivityStatusCode.Error, stopped.Status);
    }
}
