using System.Buffers;
using System.Text;
using System.Text.Json;
using CsCheck;
using Ws101.Handshake;
using static Ws101.Tests.Handshake.HandshakeSamples;

namespace Ws101.Tests.Handshake;

/// <summary>Random and mutated input through the whole handshake layer: only documented results, never an exception.</summary>
public class HandshakeFuzzTests
{
    private static readonly string[] ValidLines = (UpgradeRequest(l => [.. l, "Sec-WebSocket-Protocol: chat", "Origin: https://a.example"]).TrimEnd() + "\n\n" +
        Response101(RfcAccept, "Sec-WebSocket-Protocol: chat").TrimEnd()).Split('\n');

    /// <summary>A valid transcript with lines dropped, repeated, cut or re-cased.</summary>
    private static readonly Gen<string> Mutated =
        Gen.Select(Gen.Int[0, 4], Gen.Int[0, 100]).Array[ValidLines.Length].Select(ops =>
        {
            var sb = new StringBuilder();
            for (int i = 0; i < ValidLines.Length; i++)
            {
                string line = ValidLines[i];
                var (op, n) = ops[i];
                switch (op)
                {
                    case 0: break;
                    case 1: sb.Append(line).Append('\n').Append(line).Append('\n'); break;
                    case 2: sb.Append(line.AsSpan(0, Math.Min(line.Length, n % (line.Length + 1)))).Append('\n'); break;
                    case 3: sb.Append(n % 2 == 0 ? line.ToUpperInvariant() : line.ToLowerInvariant()).Append('\n'); break;
                    default: sb.Append(line).Append('\n'); break;
                }
            }
            return sb.ToString();
        });

    [Fact]
    public void the_diagnoser_explains_any_mutated_transcript_and_its_json_parses()
    {
        Mutated.Sample(text =>
        {
            var report = HandshakeDiagnoser.Diagnose(text);
            Assert.Equal(report.IsValid, report.Problems.Count == 0 && report.Kind != "nothing");
            foreach (var (_, p) in report.Problems)
            {
                Assert.False(string.IsNullOrWhiteSpace(p.Explanation));
                Assert.False(string.IsNullOrWhiteSpace(p.Fix));
            }
            using var doc = JsonDocument.Parse(report.ToJson());
            Assert.Equal(report.Problems.Count, doc.RootElement.GetProperty("problems").GetArrayLength());
        }, iter: 500);
    }

    [Fact]
    public void the_diagnoser_never_throws_on_random_text()
    {
        Gen.String.Sample(text => Assert.NotNull(HandshakeDiagnoser.Diagnose(text).Kind), iter: 500);
        Gen.Char[(char)0, (char)127].Array[0, 400].Sample(c => Assert.NotNull(HandshakeDiagnoser.Diagnose(new string(c)).Kind), iter: 500);
    }

    [Fact]
    public void server_read_of_random_bytes_gives_null_or_a_4xx_never_an_acceptance_of_garbage()
    {
        Gen.Byte.Array[0, 600].Sample(bytes =>
        {
            var result = ServerHandshake.Read(new ReadOnlySequence<byte>(bytes), null, out int consumed);
            if (result is null)
            {
                Assert.Equal(0, consumed);
                return;
            }
            Assert.False(result.IsValid);
            Assert.InRange(result.Rejection!.StatusCode, 400, 499);
            Assert.NotEmpty(result.Problems);
        }, iter: 2000);
    }

    [Fact]
    public void server_read_of_mutated_requests_gives_a_verdict_with_a_consistent_response()
    {
        Mutated.Sample(text =>
        {
            string request = text.Split("\n\n")[0] + "\n\n";
            var result = ServerHandshake.Read(new ReadOnlySequence<byte>(Latin1(request)), null, out _);
            if (request.Trim().Length == 0)
            {
                // Only empty lines: they are skipped before the request line, which has yet to come.
                Assert.Null(result);
                return;
            }
            Assert.NotNull(result);
            if (result.IsValid)
            {
                Assert.Null(WebSocketKeyRules.Check(result.Request!.Key));
                Assert.StartsWith("HTTP/1.1 101 ", ServerHandshake.BuildAcceptResponse(result.Request), StringComparison.Ordinal);
            }
            else
            {
                var back = HttpResponseHead.Parse(result.Rejection!.ToResponseBytes());
                Assert.Equal(HttpParseStatus.Complete, back.Status);
                Assert.Equal(result.Rejection.StatusCode, back.Head!.StatusCode);
            }
        }, iter: 500);
    }

    [Fact]
    public void client_read_of_random_bytes_gives_null_only_while_the_connection_is_open()
    {
        var offer = new HandshakeOffer(RfcKey, ["chat"], []);
        Gen.Select(Gen.Byte.Array[0, 400], Gen.Bool).Sample((bytes, ended) =>
        {
            var result = ClientHandshake.Read(offer, new ReadOnlySequence<byte>(bytes), ended, null, out _, out _);
            if (result is null)
            {
                Assert.False(ended);
                return;
            }
            Assert.Equal(result.IsSuccess, result.Problems.Count == 0);
        }, iter: 2000);
    }
}
