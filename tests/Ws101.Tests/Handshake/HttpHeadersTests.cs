using Ws101.Handshake;
using static Ws101.Tests.Handshake.HandshakeSamples;

namespace Ws101.Tests.Handshake;

public class HttpHeadersTests
{
    private static HttpHeaders Headers(params string[] lines) => ParseRequest(Request("/", lines)).Headers;

    // RFC 9110 §5.1: field names are case-insensitive.
    [Fact]
    public void looks_up_names_case_insensitively_and_keeps_the_name_as_sent()
    {
        var h = Headers("conNECtion: Upgrade");
        Assert.True(h.Contains("Connection"));
        Assert.Equal(1, h.CountOf("CONNECTION"));
        Assert.Equal("conNECtion", h.Find("connection")!.Value.Name);
        Assert.Null(h.Find("Upgrade"));
        Assert.Null(h.GetFirst("Upgrade"));
        Assert.False(h.Contains("Upgrade"));
    }

    // RFC 6455 §4.2.1 item 4: Connection includes the token "Upgrade", ASCII case-insensitive.
    [Theory]
    [InlineData("Upgrade")]
    [InlineData("upgrade")]
    [InlineData("UPGRADE")]
    [InlineData("keep-alive, Upgrade")]
    [InlineData("keep-alive,upgrade")]
    [InlineData(" Upgrade ,keep-alive")]
    [InlineData("close, , Upgrade")]
    public void finds_the_upgrade_token_in_a_connection_list(string value)
    {
        Assert.True(Headers("Connection: " + value).ContainsToken("Connection", "upgrade"));
    }

    [Theory]
    [InlineData("keep-alive")]
    [InlineData("Upgraded")]
    [InlineData("Upgrade-Insecure-Requests")]
    [InlineData("")]
    public void does_not_find_the_upgrade_token_in_a_list_without_it(string value)
    {
        Assert.False(Headers("Connection: " + value).ContainsToken("Connection", "upgrade"));
    }

    // RFC 9110 §5.3: repeated lines of a list field are one list, in order.
    [Fact]
    public void joins_list_elements_across_repeated_lines()
    {
        var h = Headers("Connection: keep-alive", "X: y", "Connection: Upgrade, TE");
        Assert.Equal(["keep-alive", "Upgrade", "TE"], h.GetListElements("connection"));
        Assert.True(h.ContainsToken("Connection", "te"));
        Assert.Equal(2, h.FindAll("Connection").Count());
    }

    [Fact]
    public void indexes_and_enumerates_fields_in_order()
    {
        var h = Headers("A: 1", "B: 2", "a: 3");
        Assert.Equal(3, h.Count);
        Assert.Equal(KeyValuePair.Create("B", "2"), h[1]);
        Assert.Equal(3, h.Fields[1].Line);
        Assert.Equal([KeyValuePair.Create("A", "1"), KeyValuePair.Create("B", "2"), KeyValuePair.Create("a", "3")], h);
        Assert.Equal(["1", "3"], h.GetValues("A"));
        Assert.Equal("1", h.GetFirst("a"));
    }

    [Fact]
    public void builds_from_name_value_pairs_numbered_after_the_start_line()
    {
        var built = new HttpHeaders([KeyValuePair.Create("X", "y"), KeyValuePair.Create("Z", "w")]);
        Assert.Equal("y", built.GetFirst("x"));
        Assert.Equal(new HttpHeaderField("Z", "w", 3), built.Find("z"));
        Assert.Empty(new HttpHeaders());
    }
}
