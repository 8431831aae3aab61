using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Ws101;

namespace Ws101Server;

/// <summary>
/// Listens to the instruments on the Ws101 Meter (<see cref="Ws101Telemetry.MeterName"/>) and logs their totals at an
/// interval. Replace it with OpenTelemetry (AddMeter("Ws101")) to export the same figures.
/// </summary>
internal sealed class MetricsLog : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _totals = new();
    private readonly ILogger _log;
    private readonly Timer _timer;

    public MetricsLog(ILogger log, TimeSpan interval)
    {
        _log = log;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == Ws101Telemetry.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, state) => _totals.AddOrUpdate(Key(instrument, tags), value, (_, total) => total + value));
        _listener.Start();
        _timer = new Timer(_ => Write(), null, interval, interval);
    }

    /// <summary>The instrument's name, with its attributes when it has some: <c>ws101.server.handshakes{error.type=not-found,http.response.status_code=404}</c>.</summary>
    private static string Key(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return instrument.Name;
        }
        var parts = new List<string>(tags.Length);
        foreach (var tag in tags)
        {
            parts.Add($"{tag.Key}={tag.Value}");
        }
        parts.Sort(StringComparer.Ordinal);
        return $"{instrument.Name}{{{string.Join(",", parts)}}}";
    }

    /// <summary>The total of each Ws101 instrument and set of attributes so far (for an up-down counter, its current value).</summary>
    public IReadOnlyDictionary<string, long> Totals => _totals;

    /// <summary>Logs the totals now (also done at the interval, and by Program.cs when the server stops).</summary>
    public void Write()
    {
        if (!_totals.IsEmpty)
        {
            _log.LogInformation("Ws101 metrics: {Metrics}", string.Join(", ", _totals.OrderBy(t => t.Key).Select(t => $"{t.Key}={t.Value}")));
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        _listener.Dispose();
    }
}
