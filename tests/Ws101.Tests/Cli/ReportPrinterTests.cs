using Ws101.Cli;
using Ws101.Handshake;

namespace Ws101.Tests.Cli;

/// <summary>
/// Where a client's failed handshake is placed when printed: a connection or TLS that failed before any answer is the
/// request's side (there is no response to blame), everything else concerns the response; <c>probe</c> and
/// <c>connect</c> print the same failure the same way.
/// </summary>
public class ReportPrinterTests
{
    [Theory]
    [InlineData(HandshakeProblemCode.ConnectionFailed, true)]
    [InlineData(HandshakeProblemCode.TlsFailed, true)]
    [InlineData(HandshakeProblemCode.HandshakeTimeout, false)]
    public void a_client_failure_is_placed_in_the_head_it_concerns(HandshakeProblemCode code, bool requestSide)
    {
        var failure = new WebSocketHandshakeException([new HandshakeProblem(code, "127.0.0.1:1", null, "what came")], null, null);

        Assert.Equal(requestSide ? HandshakePart.Request : HandshakePart.Response, Assert.Single(ReportPrinter.ClientProblems(failure)).Part);
    }

    [Fact]
    public void a_refused_connection_prints_as_the_requests_problem()
    {
        var failure = new WebSocketHandshakeException([new HandshakeProblem(HandshakeProblemCode.ConnectionFailed, "127.0.0.1:1", null, "ConnectionRefused (Connection refused)")], null, null);
        var output = new StringWriter();

        ReportPrinter.PrintProblems(output, ReportPrinter.ClientProblems(failure));

        Assert.Contains("[connection-failed] Could not connect (request, 127.0.0.1:1)", output.ToString(), StringComparison.Ordinal);
    }
}
