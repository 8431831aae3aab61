using System.Text.RegularExpressions;
using Ws101.Handshake;

namespace Ws101.Tests.Handshake;

public class HandshakeProblemCatalogTests
{
    [Fact]
    public void every_code_has_exactly_one_entry_in_code_order()
    {
        var codes = Enum.GetValues<HandshakeProblemCode>();
        Assert.Equal(codes, HandshakeProblemCatalog.All.Select(e => e.Code));
        foreach (var code in codes)
        {
            Assert.Equal(code, HandshakeProblemCatalog.Get(code).Code);
        }
    }

    [Fact]
    public void ids_are_unique_kebab_case_and_found_by_id()
    {
        var ids = HandshakeProblemCatalog.All.Select(e => e.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        foreach (var entry in HandshakeProblemCatalog.All)
        {
            Assert.Matches(new Regex("^[a-z0-9]+(-[a-z0-9]+)*$"), entry.Id);
            Assert.True(HandshakeProblemCatalog.TryGet(entry.Id, out var found));
            Assert.Same(entry, found);
        }
        Assert.False(HandshakeProblemCatalog.TryGet("no-such-problem", out _));
    }

    [Fact]
    public void the_id_spells_the_code_name_in_kebab_case()
    {
        foreach (var entry in HandshakeProblemCatalog.All)
        {
            string kebab = Regex.Replace(entry.Code.ToString(), "(?<!^)([A-Z])", "-$1").ToLowerInvariant();
            Assert.Equal(kebab.Replace("web-socket", "websocket", StringComparison.Ordinal), entry.Id);
        }
    }

    [Fact]
    public void every_entry_has_a_rule_title_explanation_and_fix()
    {
        foreach (var e in HandshakeProblemCatalog.All)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Rule), e.Id);
            Assert.StartsWith("RFC ", e.Rule, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(e.Title), e.Id);
            Assert.False(string.IsNullOrWhiteSpace(e.Explanation), e.Id);
            Assert.False(string.IsNullOrWhiteSpace(e.Fix), e.Id);
        }
    }

    [Fact]
    public void a_problem_takes_its_id_rule_and_default_texts_from_the_catalog()
    {
        var p = new HandshakeProblem(HandshakeProblemCode.MissingHost, "Host", "Host: name", "none");
        var entry = HandshakeProblemCatalog.Get(HandshakeProblemCode.MissingHost);
        Assert.Equal("missing-host", p.Id);
        Assert.Equal(entry.Rule, p.Rule);
        Assert.Equal(entry.Explanation, p.Explanation);
        Assert.Equal(entry.Fix, p.Fix);
        Assert.Equal($"missing-host (Host): {entry.Explanation} Expected: Host: name. Received: none. Fix: {entry.Fix}", p.ToString());
    }

    [Fact]
    public void an_unknown_code_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => HandshakeProblemCatalog.Get((HandshakeProblemCode)999));
    }

    [Fact]
    public void visible_shows_control_characters()
    {
        Assert.Equal("a\\r\\n\\t\\x00\\x7fb", HandshakeProblem.Visible("a\r\n\t\0\u007fb"));
    }
}
