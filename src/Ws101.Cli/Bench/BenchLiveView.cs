using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Ws101.Cli.Bench;

/// <summary>
/// The progress of a run while it goes: in a terminal a live Spectre.Console line (phase, a bar, the rate over the last
/// second, open connections, errors) redrawn four times a second; otherwise (a pipe, a file, a test) one plain line a second.
/// </summary>
internal sealed class BenchLiveView(IAnsiConsole console, bool interactive, BenchMode mode)
{
    private readonly string _unit = mode switch
    {
        BenchMode.Echo => "msgs/s",
        BenchMode.Handshakes => "handshakes/s",
        BenchMode.Fanout => "deliveries/s",
        _ => "",
    };

    /// <summary>Runs <paramref name="runner"/> on this thread, showing its progress, then a line with its result.</summary>
    public BenchResult Show(string label, BenchRunner runner, CancellationToken cancellationToken)
    {
        var rate = new RateWindow();
        BenchResult? result = null;
        if (interactive)
        {
            console.Live(new Markup(Line(label, runner.Snapshot(), rate, bar: true))).AutoClear(true).Start(live =>
            {
                result = runner.Run(() => live.UpdateTarget(new Markup(Line(label, runner.Snapshot(), rate, bar: true))), cancellationToken);
            });
        }
        else
        {
            long nextLine = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
            result = runner.Run(() =>
            {
                if (Stopwatch.GetTimestamp() >= nextLine)
                {
                    nextLine += Stopwatch.Frequency;
                    console.WriteLine(Line(label, runner.Snapshot(), rate, bar: false));
                }
            }, cancellationToken);
        }
        console.WriteLine(Done(label, result!));
        return result!;
    }

    private string Line(string label, BenchProgress p, RateWindow rate, bool bar)
    {
        double perSecond = rate.Update(p.Completed);
        string phase = p.Length > 0
            ? $"{p.Phase} {p.Elapsed.ToString("0", CultureInfo.InvariantCulture)}/{p.Length.ToString("0.##", CultureInfo.InvariantCulture)} s"
            : $"{p.Phase} {p.Elapsed.ToString("0", CultureInfo.InvariantCulture)} s";
        string text = $"{label}  {phase}";
        if (bar && p.Length > 0)
        {
            int filled = (int)Math.Round(Math.Clamp(p.Elapsed / p.Length, 0, 1) * 20);
            text = $"{Markup.Escape(label)}  [bold]{Markup.Escape(p.Phase)}[/] [green]{new string('━', filled)}[/][grey]{new string('─', 20 - filled)}[/] {Markup.Escape(phase[(p.Phase.Length + 1)..])}";
        }
        else if (bar)
        {
            text = Markup.Escape(text);
        }
        string rateText = _unit.Length > 0 ? $"  {perSecond.ToString("N0", CultureInfo.InvariantCulture)} {_unit}" : "";
        string errors = p.Errors > 0 && bar ? $"[red]errors {p.Errors:N0}[/]" : $"errors {p.Errors:N0}";
        return $"{text}{rateText}  open {p.Open:N0}/{p.Connections + (mode == BenchMode.Fanout ? 1 : 0):N0}  {errors}";
    }

    private string Done(string label, BenchResult r)
    {
        string main = mode switch
        {
            BenchMode.Echo => $"{r.MessagesPerSecond:N0} msgs/s, {r.MibPerSecond:0.##} MiB/s",
            BenchMode.Handshakes => $"{r.HandshakesPerSecond:N0} handshakes/s",
            BenchMode.Fanout => $"{r.MessagesPerSecond:N0} deliveries/s ({r.Fanout?.Missing ?? 0:N0} missing)",
            _ => r.Server?.BytesPerConnection is { } perConnection
                ? $"{r.OpenAtEnd:N0} open, {BenchMetric.Bytes(perConnection)} per connection"
                : $"{r.OpenAtEnd:N0} open",
        };
        string latency = r.Latency is { } l ? $", p50 {BenchMetric.Time(l.P50Us)}, p99 {BenchMetric.Time(l.P99Us)}" : "";
        string stopped = r.Stopped is { } why ? $" (stopped early: {why})" : "";
        return $"{label}: {main}{latency}, {r.Errors:N0} error(s){stopped}";
    }

    /// <summary>The completion rate over the last second or so.</summary>
    private sealed class RateWindow
    {
        private long _lastCount;
        private long _lastAt = Stopwatch.GetTimestamp();
        private double _rate;

        public double Update(long count)
        {
            long now = Stopwatch.GetTimestamp();
            double seconds = Stopwatch.GetElapsedTime(_lastAt, now).TotalSeconds;
            if (seconds >= 0.9)
            {
                _rate = (count - _lastCount) / seconds;
                _lastCount = count;
                _lastAt = now;
            }
            return _rate;
        }
    }
}
