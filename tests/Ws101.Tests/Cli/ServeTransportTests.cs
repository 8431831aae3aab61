using Ws101.Cli;
using Ws101.Cli.Commands;

namespace Ws101.Tests.Cli;

/// <summary>
/// <c>ws101 serve --transport auto|eventloop|sockets</c> chooses <see cref="Ws101.Server.WebSocketServerOptions.Transport"/>.
/// That the chosen transport is the one that runs, and holds at the descriptor limit, is shown on the real process by
/// Ws101.Interop's ServeAtTheDescriptorLimitTests.
/// </summary>
public class ServeTransportTests
{
    private static readonly CliConsole Quiet = new(TextWriter.Null, TextWriter.Null, TextReader.Null);

    private static ServeCommand.Settings Settings(ServerTransport transport, bool http2 = false) =>
        new("127.0.0.1", 0, null, null, null, 1 << 20, [], Quiet: true, Verbose: false, Http2: http2, Transport: transport);

    [Theory]
    [InlineData(new string[0], ServerTransport.Auto)]
    [InlineData(new[] { "--transport", "auto" }, ServerTransport.Auto)]
    [InlineData(new[] { "--transport", "eventloop" }, ServerTransport.EventLoop)]
    [InlineData(new[] { "--transport", "sockets" }, ServerTransport.Sockets)]
    [InlineData(new[] { "--transport=sockets" }, ServerTransport.Sockets)]
    public void each_value_names_its_transport_and_auto_is_the_default(string[] args, ServerTransport expected)
    {
        var parsed = ServeCommand.Create(Quiet).Parse(args);

        Assert.Empty(parsed.Errors);
        Assert.Equal(expected, ServeCommand.TransportOf(parsed.GetValue<string>("--transport")!));
    }

    [Theory]
    [InlineData(ServerTransport.Auto)]
    [InlineData(ServerTransport.Sockets)]
    public async Task the_transport_reaches_the_server(ServerTransport transport)
    {
        await using var server = ServeCommand.Build(Quiet, Settings(transport));

        Assert.Equal(transport, server.Options.Transport);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("EventLoop")]
    [InlineData("")]
    public void any_other_value_is_a_usage_error_that_lists_the_choices(string value)
    {
        var result = CliRunner.Run(null, "serve", "--port", "0", "--transport", value);

        Assert.Equal(ExitCodes.UsageError, result.ExitCode);
        Assert.Contains($"Argument '{value}' not recognized. Must be one of:", result.Error, StringComparison.Ordinal);
        foreach (string choice in new[] { "'auto'", "'eventloop'", "'sockets'" })
        {
            Assert.Contains(choice, result.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task eventloop_runs_where_the_event_loops_do_and_is_a_usage_error_naming_them_elsewhere()
    {
        if (Ws101.Transport.Linux.EventLoopGroup.IsSupported)
        {
            await using var server = ServeCommand.Build(Quiet, Settings(ServerTransport.EventLoop));
            Assert.Equal(ServerTransport.EventLoop, server.Options.Transport);
            return;
        }
        // The server refuses it when built, before it listens: the CLI says so as it says any other wrong setting.
        var result = CliRunner.Run(null, "serve", "--port", "0", "--transport", "eventloop");

        Assert.Equal(ExitCodes.UsageError, result.ExitCode);
        Assert.Contains("error: ServerTransport.EventLoop needs Linux on x86-64; use Auto or Sockets.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void with_http2_a_transport_other_than_auto_is_refused_since_kestrel_drives_the_sockets()
    {
        var error = Assert.Throws<ArgumentException>(() => ServeCommand.Address(Settings(ServerTransport.Sockets, http2: true)));

        Assert.Contains("--transport", error.Message, StringComparison.Ordinal);
        Assert.Contains("--http2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void the_help_lists_the_option_with_its_choices_and_default()
    {
        var result = CliRunner.Run(null, "serve", "--help");

        Assert.Equal(0, result.ExitCode);
        string line = Assert.Single(result.Out.Split('\n'), l => l.TrimStart().StartsWith("--transport", StringComparison.Ordinal));
        Assert.Contains("<auto|eventloop|sockets>", line, StringComparison.Ordinal);
        Assert.EndsWith("[default: auto]", line.TrimEnd(), StringComparison.Ordinal);
    }
}
