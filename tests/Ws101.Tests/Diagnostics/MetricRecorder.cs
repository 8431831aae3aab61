using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Ws101.Tests.Diagnostics;

/// <summary>
/// Adds up every measurement of the Ws101 meter while it lives, keyed by instrument name and tags
/// (<c>ws101.server.handshakes[error.type=invalid-key][http.response.status_code=400]</c>). The meter is process-wide: tests that read it run alone.
/// </summary>
internal sealed class MetricRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    public ConcurrentDictionary<string, long> Totals { get; } = new();

    public MetricRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == Ws101Telemetry.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string key = instrument.Name;
            foreach (var tag in tags)
            {
                key += $"[{tag.Key}={tag.Value}]";
            }
            Totals.AddOrUpdate(key, value, (_, old) => old + value);
        });
        _listener.Start();
    }

    public long Get(string key) => Totals.TryGetValue(key, out long v) ? v : 0;

    public void Dispose() => _listener.Dispose();
}
