using Ws101.Protocol;

namespace Ws101.Tests.Protocol;

// RFC 6455 §7.4.1 and §7.4.2: which status codes may appear in a close frame.
[Collection(ProtocolCollection.Name)]
public class CloseCodeRulesTests
{
    [Fact]
    public void the_valid_codes_are_1000_to_1003_1007_to_1011_and_3000_to_4999_and_nothing_else()
    {
        for (int code = 0; code <= 65535; code++)
        {
            bool expected = code is 1000 or 1001 or 1002 or 1003 or 1007 or 1008 or 1009 or 1010 or 1011
                || (code >= 3000 && code <= 4999);
            Assert.True(expected == CloseCodeRules.IsValidOnTheWire(code), $"code {code}");
        }
    }

    [Theory]
    [InlineData(1004)]
    [InlineData(1005)]
    [InlineData(1006)]
    [InlineData(1015)]
    public void codes_reserved_for_local_use_are_never_valid_on_the_wire(int code)
    {
        // RFC 6455 §7.4.1: 1005, 1006 and 1015 "MUST NOT be set as a status code in a Close control frame"; 1004 is reserved.
        Assert.False(CloseCodeRules.IsValidOnTheWire((CloseCode)code));
    }
}
