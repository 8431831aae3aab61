using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Ws101.DocSamples;

internal static class ObservabilitySample
{
    public static void Metrics()
    {
using var meters = Sdk.CreateMeterProviderBuilder()
    .AddMeter(Ws101Telemetry.MeterName)
    .AddPrometheusHttpListener()           // or AddOtlpExporter(), AddConsoleExporter() ...
    .Build();
    }

    public static void Traces()
    {
using var traces = Sdk.CreateTracerProviderBuilder()
    .AddSource(Ws101Telemetry.ActivitySourceName)   // then your exporter: AddOtlpExporter(), AddConsoleExporter() ...
    .Build();
    }
}
