using System.Globalization;
using Ws101.Interop.Harness;

namespace Ws101.Interop.Bench;

/// <summary>
/// bench/server/tlsload.c, the C wss:// load generator of the bench's tls part, compiled with gcc and OpenSSL here and
/// run for a second against real servers: against <c>ws101 serve --cert --key</c> its echo and handshake loops count
/// work and no errors (over TLS, and over plain ws:// with --plain), and a wss:// server whose 101 carries a wrong
/// Sec-WebSocket-Accept (<see cref="BrokenServer.StartTls"/>) is counted as errors, never as open connections or handshakes. No figure is asserted beyond
/// "more than none": the bench reads speed, the test reads accounting.
/// </summary>
public sealed class TlsLoadTests : IAsyncLifetime
{
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(30);
    private readonly TempFolder _folder = new("ws101-tlsload-");
    private readonly TestCertificate _certificate = TestCertificate.Create();
    private string _tlsload = "";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _tlsload = _folder.PathOf("tlsload");
        await BenchCProgram.CompileAsync("bench/server/tlsload.c", _tlsload, Cancel, "-lssl", "-lcrypto");
    }

    public ValueTask DisposeAsync()
    {
        _certificate.Dispose();
        _folder.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task over_wss_its_echo_and_handshake_loops_against_ws101_serve_count_work_with_no_errors_up_to_a_1_MiB_message()
    {
        var (cert, key) = _certificate.WritePemFiles(_folder.FullName);
        await using var serve = await ServeProcess.StartAsync(Cancel, "--cert", cert, "--key", key!);
        Assert.StartsWith("wss://", serve.Url("/echo").ToString(), StringComparison.Ordinal);

        var echo = await RunAsync("echo", "-p", $"{serve.Port}", "-c", "4", "-s", "100", "-w", "0", "-d", "1", "-P", $"{serve.Pid}", "-q");
        var big = await RunAsync("echo", "-p", $"{serve.Port}", "-c", "2", "-s", "1048576", "-w", "0", "-d", "1", "-q");
        var hs = await RunAsync("hs", "-p", $"{serve.Port}", "-c", "4", "-w", "0", "-d", "1", "-P", $"{serve.Pid}", "-q");

        Assert.Equal("1", echo["tls"]);
        Assert.Equal("0", echo["errors"]);
        Assert.Equal("4", echo["open"]);
        Assert.True(Number(echo, "msgs_total") > 0 && Number(echo, "msgs_per_s") > 0, echo.Line);
        Assert.True(Number(echo, "p50_us") <= Number(echo, "p99_us"), echo.Line);
        Assert.True(Number(echo, "srv_usr") + Number(echo, "srv_sys") > 0, $"no server CPU read from /proc: {echo.Line}");
        Assert.True(Number(echo, "cli_cpu") > 0, echo.Line);
        Assert.Equal("0", big["errors"]);
        Assert.True(Number(big, "msgs_total") > 0, big.Line);
        Assert.Equal("0", hs["errors"]);
        Assert.True(Number(hs, "hs_total") > 0 && Number(hs, "hs_per_s") > 0, hs.Line);
        Assert.True(Number(hs, "srv_usr") + Number(hs, "srv_sys") > 0, hs.Line);
    }

    [Fact]
    public async Task with_plain_it_speaks_ws_to_ws101_serve_with_the_same_accounting()
    {
        await using var serve = await ServeProcess.StartAsync(Cancel);

        var echo = await RunAsync("echo", "--plain", "-p", $"{serve.Port}", "-c", "4", "-s", "100", "-w", "0", "-d", "1", "-q");
        var hs = await RunAsync("hs", "--plain", "-p", $"{serve.Port}", "-c", "4", "-w", "0", "-d", "1", "-q");

        Assert.Equal("0", echo["tls"]);
        Assert.Equal("0", echo["errors"]);
        Assert.True(Number(echo, "msgs_total") > 0, echo.Line);
        Assert.Equal("0", hs["errors"]);
        Assert.True(Number(hs, "hs_total") > 0, hs.Line);
    }

    [Fact]
    public async Task a_101_with_a_wrong_sec_websocket_accept_is_an_error_never_an_open_connection_or_a_handshake()
    {
        // TLS 1.3, then a 101 whose accept is base64(SHA-256(key + GUID)) instead of SHA-1.
        await using var server = BrokenServer.StartTls(BrokenAnswer.Sha256Accept, _certificate);
        Assert.Equal("wss", server.Url.Scheme);

        var echo = await RunAsync("echo", "-p", $"{server.Url.Port}", "-c", "3", "-s", "20", "-w", "0", "-d", "1", "-q");
        var hs = await RunAsync("hs", "-p", $"{server.Url.Port}", "-c", "2", "-w", "0", "-d", "1", "-q");

        Assert.True(server.Requests.Count >= 3, $"the server read {server.Requests.Count} upgrade requests");
        Assert.Equal("3", echo["errors"]);
        Assert.Equal("0", echo["open"]);
        Assert.Equal("0", echo["msgs_total"]);
        Assert.Contains(echo.Errors, l => l.Contains("wrong Sec-WebSocket-Accept", StringComparison.Ordinal));
        Assert.True(Number(hs, "errors") > 0, hs.Line);
        Assert.Equal("0", hs["hs_total"]);
    }

    [Fact]
    public async Task bad_flags_and_any_target_but_127_0_0_1_are_usage_errors_with_exit_code_2()
    {
        string[][] bad =
        [
            [],
            ["flood", "-p", "9"],
            ["echo"],
            ["echo", "-p", "70000"],
            ["echo", "-p", "9", "-s", "twenty"],
            ["echo", "-p", "9", "-c"],
            ["echo", "-p", "9", "--bogus"],
            ["echo", "-p", "9", "-N", "20000"],
            ["hs", "-p", "9", "-H", "10.0.0.1"],
            ["echo", "-p", "9", "example.com"],
        ];
        foreach (string[] arguments in bad)
        {
            await using var run = PeerProcess.Start("tlsload", _tlsload, arguments, RunLimit);
            int code = await run.WaitForExitAsync(RunLimit, Cancel);
            Assert.True(code == 2, $"`tlsload {string.Join(' ', arguments)}` exited {code}\n{run.Diagnostics()}");
            Assert.Contains(run.StderrLines, l => l.StartsWith("usage: tlsload echo", StringComparison.Ordinal));
            Assert.DoesNotContain(run.StdoutLines, l => l.StartsWith("RESULT", StringComparison.Ordinal));
        }
    }

    /// <summary>Runs tlsload to its end and returns its RESULT line's keys (it must print one and exit 0).</summary>
    private async Task<Result> RunAsync(params string[] arguments)
    {
        await using var run = PeerProcess.Start("tlsload", _tlsload, arguments, RunLimit);
        int code = await run.WaitForExitAsync(RunLimit, Cancel);
        string? line = run.StdoutLines.LastOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        Assert.True(code == 0 && line is not null, $"tlsload {string.Join(' ', arguments)} exited {code} without a RESULT line\n{run.Diagnostics()}");
        var keys = line!.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        return new Result(line, keys, run.StderrLines);
    }

    private static double Number(Result result, string key) => double.Parse(result[key], CultureInfo.InvariantCulture);

    /// <summary>A RESULT line, its keys, and what tlsload wrote to stderr.</summary>
    private sealed record Result(string Line, IReadOnlyDictionary<string, string> Keys, IReadOnlyList<string> Errors)
    {
        public string this[string key] => Keys.TryGetValue(key, out string? v) ? v : throw new Xunit.Sdk.XunitException($"no {key}= in {Line}");
    }
}
