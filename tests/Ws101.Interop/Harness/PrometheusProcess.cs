using System.Globalization;
using System.Net.Http;
using System.Text.Json;

namespace Ws101.Interop.Harness;

/// <summary>
/// A real Prometheus (Debian's <c>prometheus</c>, installed by test.sh through WS101_TEST_DEPS) of our own: a generated
/// configuration that scrapes one target every second, storage in a temporary folder, listening on 127.0.0.1 and a
/// free port; stopped by its pid. Queried through its own HTTP API (/api/v1/query).
/// </summary>
public sealed class PrometheusProcess : IAsyncDisposable
{
    private readonly PeerProcess _process;
    private readonly string _folder;
    private readonly HttpClient _http;

    private PrometheusProcess(PeerProcess process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };
    }

    /// <summary>The port of its HTTP API.</summary>
    public int Port { get; }

    /// <summary>Starts Prometheus scraping http://127.0.0.1:<paramref name="targetPort"/>/metrics every second, and waits until it is ready.</summary>
    public static async Task<PrometheusProcess> StartAsync(int targetPort, CancellationToken cancellationToken)
    {
        string folder = Directory.CreateTempSubdirectory("ws101-prometheus-").FullName;
        File.WriteAllText(Path.Combine(folder, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: ws101
                metrics_path: /metrics
                static_configs:
                  - targets: ["127.0.0.1:{targetPort}"]
            """);
        int port = LoopbackPort.GetFree();
        var process = PeerProcess.Start("prometheus", "prometheus",
        [
            $"--config.file={Path.Combine(folder, "prometheus.yml")}",
            $"--storage.tsdb.path={Path.Combine(folder, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
        ]);
        var prometheus = new PrometheusProcess(process, folder, port);
        try
        {
            await prometheus.WaitReadyAsync(cancellationToken).ConfigureAwait(false);
            return prometheus;
        }
        catch
        {
            await prometheus.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Runs an instant query until <paramref name="accept"/> takes its value (the first sample of the result vector,
    /// or null while it is empty), at most <paramref name="timeout"/>; returns the accepted value.
    /// </summary>
    public async Task<double?> WaitForQueryAsync(string query, Func<double?, bool> accept, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        double? last = null;
        while (true)
        {
            last = await QueryAsync(query, cancellationToken).ConfigureAwait(false);
            if (accept(last))
            {
                return last;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Prometheus query `{query}` still gave {last?.ToString(CultureInfo.InvariantCulture) ?? "no sample"} after {timeout.TotalSeconds} s.{Environment.NewLine}{_process.Diagnostics()}");
            }
            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One instant query: the value of the first sample, or null when the vector is empty.</summary>
    public async Task<double?> QueryAsync(string query, CancellationToken cancellationToken)
    {
        string json = await _http.GetStringAsync($"api/v1/query?query={Uri.EscapeDataString(query)}", cancellationToken).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        if (root.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Prometheus refused `{query}`: {json}");
        }
        var result = root.GetProperty("data").GetProperty("result");
        if (result.GetArrayLength() == 0)
        {
            return null;
        }
        // A vector sample is [unix time, "value"].
        return double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }

    private async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + PeerTimeouts.Step;
        while (true)
        {
            try
            {
                using var response = await _http.GetAsync("-/ready", cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (!_process.HasExited && DateTime.UtcNow < deadline)
            {
            }
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"Prometheus did not become ready (is it installed? test.sh installs it).{Environment.NewLine}{_process.Diagnostics()}");
            }
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops it by its pid, and removes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        _process.Kill();
        await _process.DisposeAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
