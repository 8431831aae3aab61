using System.Text.Json;
using System.Xml.Linq;
using Ws101.Interop.Harness;

namespace Ws101.Interop.Templates;

/// <summary>The templates reference the Ws101 packages by the version this checkout packs (Directory.Build.props).</summary>
public sealed class TemplateVersionTests
{
    [Fact]
    public void every_template_references_the_version_this_checkout_packs()
    {
        string root = PeerEnvironment.RepositoryRoot;
        string version = XDocument.Load(Path.Combine(root, "Directory.Build.props")).Descendants("Version").Single().Value;
        foreach (string template in new[] { "ws101-server", "ws101-aspnetcore" })
        {
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "templates", template, ".template.config", "template.json")));
            Assert.Equal(version, json.RootElement.GetProperty("symbols").GetProperty("ws101Version").GetProperty("defaultValue").GetString());
        }
    }
}
