namespace Ws101.Tests.Cli;

public class AcceptCommandTests
{
    [Fact]
    public void prints_the_accept_value_of_the_rfc_example()
    {
        var r = CliRunner.Run(null, "accept", "dGhlIHNhbXBsZSBub25jZQ==");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", r.Out.Trim());
        Assert.Equal("", r.Error);
    }

    [Fact]
    public void shows_each_step_with_steps()
    {
        var r = CliRunner.Run(null, "accept", "--steps", "dGhlIHNhbXBsZSBub25jZQ==");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11", r.Out, StringComparison.Ordinal);
        // SHA-1 of the concatenation, as RFC 6455 §1.3 gives it in hex.
        Assert.Contains("b37a4f2cc0624f1690f64606cf385945b2bec4ea", r.Out, StringComparison.Ordinal);
        Assert.Contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void warns_about_a_key_with_whitespace_but_still_computes_it()
    {
        var r = CliRunner.Run(null, "accept", "dGhlIHNhbXBsZSBub25jZQ== ");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(Ws101.Handshake.WebSocketAccept.Compute("dGhlIHNhbXBsZSBub25jZQ== "), r.Out.Trim());
        Assert.Contains("invalid-key", r.Error, StringComparison.Ordinal);
        Assert.Contains("whitespace", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void refuses_a_key_that_is_not_ascii_with_exit_code_2()
    {
        var r = CliRunner.Run(null, "accept", "clé");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("ASCII", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void requires_a_key()
    {
        var r = CliRunner.Run(null, "accept");
        Assert.NotEqual(0, r.ExitCode);
    }
}
