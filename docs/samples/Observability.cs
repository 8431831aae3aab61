using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Ws101.Diagnostics;

namespace Ws101.DocSamples;

internal static class ObservabilitySample
{
    public static void Metrics()
    {
using var meters = Sdk.CreateMeterProviderBuilder()
    .AddMeter(Ws101Metrics.MeterName)
    .AddPrometheusHttpListener()           // or AddOtlpExporter(), AddConsoleExporter() ...
    .Build();
    }

    public static void Traces()
    {
using var traces = Sdk.CreateTracerProviderBuilder()
    .AddSource(Ws101ActivitySource.Name)   // then your exporter: AddOtlpExporter(), AddConsoleExporter() ...
    .Build();
    }
}
