using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Ws101.Cli.Serve;

/// <summary>
/// <c>ws101 serve --metrics</c>: the Ws101 meter through the OpenTelemetry SDK, served in Prometheus' text format on
/// http://HOST:PORT/metrics by the exporter's own HTTP listener (a port of its own: the WebSocket port stays plain).
/// </summary>
internal static class MetricsEndpoint
{
    /// <summary>The port of --metrics-port when none is given: the one OpenTelemetry's Prometheus exporter uses by default.</summary>
    public const int DefaultPort = 9464;

    /// <summary>Starts the meter provider and its listener; disposing it stops both.</summary>
    public static MeterProvider Start(string host, int port)
    {
        // HttpListener names "every address" +, not 0.0.0.0 or ::.
        string listenerHost = host is "0.0.0.0" or "::" or "[::]" ? "+" : host;
        return Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(resource => resource.AddService("ws101"))
            .AddMeter(Ws101Telemetry.MeterName)
            .AddPrometheusHttpListener(options =>
            {
                options.Host = listenerHost;
                options.Port = port;
                options.ScrapeEndpointPath = "/metrics";
            })
            .Build();
    }

    /// <summary>The address the scrape endpoint answers on, for the start-up line.</summary>
    public static string Url(string host, int port) =>
        $"http://{(host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host)}:{port}/metrics";
}
