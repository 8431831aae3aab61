using Ws101.Cli;
using Ws101.Cli.Commands;
using Ws101.Redis;

namespace Ws101.Tests.Cli;

/// <summary><c>ws101 serve --redis-backlog SECONDS</c>: parsed into RedisBackplaneOptions.PublishBacklog, checked, and listed in the help.</summary>
public class ServeRedisBacklogTests
{
    private static readonly CliConsole Quiet = new(TextWriter.Null, TextWriter.Null, TextReader.Null);

    private static ServeCommand.Settings Settings(string? redis, double backlog) =>
        new("127.0.0.1", 0, null, null, null, 1 << 20, [], Quiet: true, Verbose: false, Redis: redis, RedisBacklogSeconds: backlog);

    private static RedisBackplaneOptions BackplaneOptions(Ws101.WebSocketTopics topics) => Assert.IsType<RedisBackplane>(topics.Backplane).Options;

    [Fact]
    public async Task the_seconds_become_the_backlogs_age_bound_with_the_default_byte_bound()
    {
        // Built, not started: nothing connects to the (unused) port.
        await using var server = ServeCommand.Build(Quiet, Settings("127.0.0.1:1", 2.5), out var topics);
        await using var _ = topics;

        var options = BackplaneOptions(topics);
        Assert.Equal(TimeSpan.FromSeconds(2.5), options.PublishBacklog);
        Assert.Equal(new RedisBackplaneOptions().PublishBacklogBytes, options.PublishBacklogBytes);
    }

    [Fact]
    public async Task without_it_there_is_no_backlog()
    {
        await using var server = ServeCommand.Build(Quiet, Settings("127.0.0.1:1", 0), out var topics);
        await using var _ = topics;

        Assert.Equal(TimeSpan.Zero, BackplaneOptions(topics).PublishBacklog);
    }

    [Theory]
    [InlineData("-1", "--redis-backlog is a number of seconds from 0 (off) to 3600.")]
    [InlineData("3601", "--redis-backlog is a number of seconds from 0 (off) to 3600.")]
    [InlineData("NaN", "--redis-backlog is a number of seconds from 0 (off) to 3600.")]
    public void a_value_out_of_range_is_a_usage_error_that_names_the_option(string value, string message)
    {
        var result = CliRunner.Run(null, "serve", "--port", "0", "--redis", "127.0.0.1:1", "--redis-backlog", value);

        Assert.Equal(ExitCodes.UsageError, result.ExitCode);
        Assert.Contains("error: " + message, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void without_redis_it_says_it_needs_redis()
    {
        var result = CliRunner.Run(null, "serve", "--port", "0", "--redis-backlog", "5");

        Assert.Equal(ExitCodes.UsageError, result.ExitCode);
        Assert.Contains("error: --redis-backlog SECONDS needs --redis HOST:PORT", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void a_value_that_is_not_a_number_is_refused_by_the_parser()
    {
        var result = CliRunner.Run(null, "serve", "--port", "0", "--redis", "127.0.0.1:1", "--redis-backlog", "soon");

        Assert.Equal(ExitCodes.UsageError, result.ExitCode);
        Assert.Contains("soon", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void the_help_lists_it_with_what_it_does()
    {
        var result = CliRunner.Run(null, "serve", "--help");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("--redis-backlog <SECONDS>", result.Out, StringComparison.Ordinal);
        Assert.Contains("hold what this node publishes while its link to Redis is down", result.Out, StringComparison.Ordinal);
    }
}
