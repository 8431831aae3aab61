using System.Text.RegularExpressions;
using Ws101.Cli;
using Ws101.Cli.Commands;
using Ws101.Cli.Serve;
using Ws101.Client;
using Ws101.Server;

namespace Ws101.Tests.Cli;

/// <summary><c>ws101 serve --reuse-port</c>, <c>--max-connections</c>, <c>--handshake-timeout</c> and <c>--stats</c>.</summary>
public partial class ServeLimitsTests
{
    private static readonly CliConsole Quiet = new(TextWriter.Null, TextWriter.Null, TextReader.Null);

    private static ServeCommand.Settings Settings(bool reusePort = false, int? maxConnections = null, double? handshakeTimeout = null, double stats = 0) =>
        new("127.0.0.1", 0, null, null, null, 1 << 20, [], Quiet: true, Verbose: false,
            ReusePort: reusePort, MaxConnections: maxConnections, HandshakeTimeoutSeconds: handshakeTimeout, StatsSeconds: stats);

    [Fact]
    public async Task the_options_reach_the_server()
    {
        await using var server = ServeCommand.Build(Quiet, Settings(reusePort: true, maxConnections: 123, handshakeTimeout: 2.5));

        Assert.True(server.Options.ReusePort);
        Assert.Equal(123, server.Options.MaxConnections);
        Assert.Equal(TimeSpan.FromSeconds(2.5), server.Options.HandshakeTimeout);
    }

    [Fact]
    public async Task without_them_the_server_keeps_its_defaults()
    {
        await using var server = ServeCommand.Build(Quiet, Settings());
        var defaults = new WebSocketServerOptions();

        Assert.False(server.Options.ReusePort);
        Assert.Equal(defaults.MaxConnections, server.Options.MaxConnections);
        Assert.Equal(defaults.HandshakeTimeout, server.Options.HandshakeTimeout);
    }

    [Theory]
    [InlineData("--max-connections", "0", "--max-connections must be positive")]
    [InlineData("--handshake-timeout", "0", "--handshake-timeout must be")]
    [InlineData("--handshake-timeout", "NaN", "--handshake-timeout must be")]
    [InlineData("--stats", "-1", "--stats must be")]
    public void a_value_out_of_range_is_a_usage_error_that_names_the_option(string option, string value, string message)
    {
        var result = CliRunner.Run(null, "serve", "--port", "0", option, value);

        Assert.Equal(ExitCodes.UsageError, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_second_serve_on_a_port_in_use_says_how_to_share_it()
    {
        await using var first = ServeCommand.Build(Quiet, Settings());
        await first.StartAsync(TestContext.Current.CancellationToken);

        var result = CliRunner.Run(null, "serve", "--port", first.EndPoints[0].Port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(ExitCodes.UsageError, result.ExitCode);
        Assert.Contains("--reuse-port", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task the_stats_line_counts_connections_memory_threads_and_handles()
    {
        await using var server = ServeCommand.Build(Quiet, Settings());
        await server.StartAsync(TestContext.Current.CancellationToken);
        await using var client = await WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{server.EndPoints[0].Port}/echo"), cancellationToken: TestContext.Current.CancellationToken);

        // The client has its 101 before the server has counted the session it starts next: wait for the count.
        var counted = System.Diagnostics.Stopwatch.StartNew();
        while (server.ConnectionCount == 0 && counted.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
        var line = StatsLine().Match(ServeStats.Line(server.ConnectionCount));

        Assert.True(line.Success, ServeStats.Line(server.ConnectionCount));
        Assert.Equal("1", line.Groups["connections"].Value);
        Assert.True(long.Parse(line.Groups["rss"].Value, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.True(int.Parse(line.Groups["threads"].Value, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.True(int.Parse(line.Groups["handles"].Value, System.Globalization.CultureInfo.InvariantCulture) > 2);
    }

    [GeneratedRegex(@"^stats connections=(?<connections>\d+) rss_kib=(?<rss>\d+) gc_heap_kib=\d+ gc_heap_after_gc_kib=\d+ gc_committed_kib=\d+ allocated_kib=\d+ gc_collections=\d+/\d+/\d+ threads=(?<threads>\d+) handles=(?<handles>\d+)$")]
    private static partial Regex StatsLine();
}
