using System.Diagnostics;
using Ws101.Client;
using Ws101.Interop.Harness;
using Ws101.Protocol;
using static Ws101.Interop.Client.OurClientSteps;

namespace Ws101.Interop.Client;

/// <summary>Our client against deliberately broken servers: each failure is a WebSocketHandshakeException naming its cause.</summary>
public sealed class OurClientAgainstBrokenServersTests
{
    private static readonly WebSocketClientOptions ShortHandshake = new() { HandshakeTimeout = TimeSpan.FromMilliseconds(500) };

    public static TheoryData<BrokenAnswer, string> AnswersAndProblems() => new()
    {
        { BrokenAnswer.Sha256Accept, "accept-mismatch" },
        { BrokenAnswer.HtmlOk, "success-not-upgrade" },
        { BrokenAnswer.UpgradeRequiredOldVersions, "upgrade-required" },
        { BrokenAnswer.ClosedMidResponse, "truncated-head" },
        { BrokenAnswer.NeverAnswers, "handshake-timeout" },
    };

    [Theory]
    [MemberData(nameof(AnswersAndProblems))]
    public async Task our_client_fails_with_the_problem_that_names_what_the_server_did_wrong(BrokenAnswer answer, string problem)
    {
        await using BrokenServer server = BrokenServer.Start(answer);

        var failure = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(server.Url, ShortHandshake, Step()));

        Assert.True(failure.Problems.Count > 0, failure.Message);
        Assert.Equal(problem, failure.Problems[0].Id);
        Assert.StartsWith("GET /broken HTTP/1.1\r\n", failure.RequestText, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task a_sha256_accept_is_diagnosed_as_such_with_the_response_kept()
    {
        await using BrokenServer server = BrokenServer.Start(BrokenAnswer.Sha256Accept);

        var failure = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(server.Url, ShortHandshake, Step()));

        Assert.Equal(("accept-mismatch", "sha-256"), (failure.Problems[0].Id, failure.Problems[0].Cause));
        Assert.StartsWith("HTTP/1.1 101 ", failure.ResponseText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_426_keeps_the_versions_the_server_speaks_in_the_problem()
    {
        await using BrokenServer server = BrokenServer.Start(BrokenAnswer.UpgradeRequiredOldVersions);

        var failure = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(server.Url, ShortHandshake, Step()));

        Assert.Equal("upgrade-required", failure.Problems[0].Id);
        Assert.Contains("7, 8", failure.Problems[0].ToString(), StringComparison.Ordinal);
        Assert.Contains("Sec-WebSocket-Version: 7, 8", failure.ResponseText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_200_with_html_keeps_the_start_of_the_page_in_the_response_text()
    {
        await using BrokenServer server = BrokenServer.Start(BrokenAnswer.HtmlOk);

        var failure = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(server.Url, ShortHandshake, Step()));

        Assert.Equal("success-not-upgrade", failure.Problems[0].Id);
        Assert.Contains("<h1>It works!</h1>", failure.ResponseText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_server_that_never_answers_is_given_up_on_by_the_clients_own_handshake_timeout()
    {
        await using BrokenServer server = BrokenServer.Start(BrokenAnswer.NeverAnswers);
        var clock = Stopwatch.StartNew();

        var failure = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(server.Url, ShortHandshake, Step()));

        Assert.Equal("handshake-timeout", failure.Problems[0].Id);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(5));
        Assert.Null(failure.ResponseText);
    }

    [Fact]
    public async Task a_wss_server_that_never_answers_the_tls_handshake_is_given_up_on_by_the_handshake_timeout()
    {
        await using BrokenServer server = BrokenServer.Start(BrokenAnswer.NeverAnswers);
        var url = new UriBuilder(server.Url) { Scheme = "wss" }.Uri;
        var clock = Stopwatch.StartNew();

        var failure = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(url, ShortHandshake, Step()));

        Assert.Equal("handshake-timeout", failure.Problems[0].Id);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task a_wss_url_to_a_plain_http_server_fails_as_tls_failed()
    {
        await using OurServer plain = await OurServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var url = new Uri($"wss://127.0.0.1:{plain.Port}/echo");
        // The plain server answers the ClientHello at once with 400 and closes; the time it takes is not what this test
        // is about, so the timeout is a loaded machine's, not the 0.5 s of the tests that wait it out on purpose.
        var patient = new WebSocketClientOptions { HandshakeTimeout = PeerTimeouts.Step };

        var failure = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(url, patient, Step()));

        Assert.Equal("tls-failed", failure.Problems[0].Id);
    }

    [Fact]
    public async Task a_closed_port_fails_as_connection_failed()
    {
        int port = LoopbackPort.GetFree();

        var failure = await Assert.ThrowsAsync<WebSocketHandshakeException>(() => WebSocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/"), ShortHandshake, Step()));

        Assert.Equal("connection-failed", failure.Problems[0].Id);
        Assert.Null(failure.RequestText);
    }

    [Fact]
    public async Task our_client_reports_the_close_a_server_sent_just_before_it_reset_the_connection()
    {
        await using BrokenServer server = BrokenServer.Start(BrokenAnswer.CloseThenReset);
        await using WebSocketConnection ws = await WebSocketClient.ConnectAsync(server.Url, ShortHandshake, Step());

        await ws.SendTextAsync("anything", Step());
        WebSocketMessage close = await ws.ReceiveAsync(Step());

        Assert.True(close.IsClose, close.ToString());
        Assert.Equal((CloseCode.GoingAway, "gone"), (close.CloseStatus, close.CloseReason));
        Assert.Equal(ConnectionState.Closed, ws.State);
    }
}
