using Ws101.Cli;

namespace Ws101.Tests.Cli;

/// <summary>A value an option cannot take is named in words, not by the .NET type the option parses into.</summary>
public class ParseErrorWriterTests
{
    [Theory]
    [InlineData("Cannot parse argument 'abc' for option '--rounds' as expected type 'System.Nullable`1[System.Int32]'.", "--rounds: 'abc' is not a whole number.")]
    [InlineData("Cannot parse argument 'lots' for option '--connections' as expected type 'System.Int32'.", "--connections: 'lots' is not a whole number.")]
    [InlineData("Cannot parse argument 'x' for option '--duration' as expected type 'System.Double'.", "--duration: 'x' is not a number.")]
    public void a_value_that_is_not_a_number_is_said_in_words(string error, string worded)
    {
        Assert.Equal(worded, ParseErrorWriter.Reword(error));
    }

    [Theory]
    [InlineData("Unrecognized command or argument '--plot'.")]
    [InlineData("Cannot parse argument 'x' for option '--transport' as expected type 'Ws101.Cli.Serve.ServeTransport'.")]
    public void every_other_error_passes_unchanged(string error)
    {
        Assert.Equal(error, ParseErrorWriter.Reword(error));
    }

    [Fact]
    public void the_tool_prints_the_worded_error_and_exits_as_for_any_usage_error()
    {
        var r = CliRunner.Run(null, "serve", "--port", "abc");

        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
        Assert.Contains("--port: 'abc' is not a whole number.", r.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.Int32", r.Error, StringComparison.Ordinal);
    }
}
