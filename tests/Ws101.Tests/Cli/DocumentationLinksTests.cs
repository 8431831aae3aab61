using System.Text;
using System.Text.RegularExpressions;

namespace Ws101.Tests.Cli;

/// <summary>
/// Every relative link in README.md and docs/*.md leads somewhere: the file exists, and a <c>#fragment</c> into a
/// Markdown file names one of its headings (by the anchor GitHub makes of it).
/// </summary>
public partial class DocumentationLinksTests
{
    [GeneratedRegex("```.*?```", RegexOptions.Singleline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6}\s+(.+?)\s*#*\s*$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"\[([^\]]*)\]\([^)]*\)")]
    private static partial Regex InlineLink();

    private static string Root()
    {
        string dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Ws101.sln")))
        {
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("The repository root was not found.");
        }
        return dir;
    }

    private static string WithoutCode(string path) =>
        FencedBlock().Replace(File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal), "");

    /// <summary>GitHub's anchor for a heading: lower case; letters, digits, '-' and '_' kept; spaces to '-'; the rest dropped.</summary>
    internal static string Anchor(string heading)
    {
        string text = InlineLink().Replace(heading, "$1").Replace("`", "", StringComparison.Ordinal);
        var anchor = new StringBuilder();
        foreach (char c in text.ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                anchor.Append(c);
            }
            else if (c == ' ')
            {
                anchor.Append('-');
            }
        }
        return anchor.ToString();
    }

    private static HashSet<string> Anchors(string path)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match heading in Heading().Matches(WithoutCode(path)))
        {
            string anchor = Anchor(heading.Groups[1].Value);
            int n = seen.GetValueOrDefault(anchor);
            seen[anchor] = n + 1;
            anchors.Add(n == 0 ? anchor : $"{anchor}-{n}");
        }
        return anchors;
    }

    [Fact]
    public void anchors_are_made_as_github_makes_them()
    {
        Assert.Equal("maxconnections-and-the-file-descriptor-limit", Anchor("`MaxConnections` and the file-descriptor limit"));
        Assert.Equal("50000-connections", Anchor("50,000 connections"));
        Assert.Equal("idle-connections-where-the-bytes-go-2026-12-05", Anchor("Idle connections: where the bytes go (2026-12-05)"));
        Assert.Equal("the-hosted-servers-routes-mapws101routes", Anchor("The hosted server's routes: `MapWs101Routes`"));
    }

    [Fact]
    public void every_relative_link_in_the_docs_resolves_to_a_file_and_a_heading()
    {
        string root = Root();
        var documents = Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Append(Path.Combine(root, "README.md"));
        var broken = new List<string>();
        int links = 0;
        foreach (string document in documents)
        {
            foreach (Match match in Link().Matches(WithoutCode(document)))
            {
                string link = match.Groups[1].Value;
                if (Regex.IsMatch(link, "^[a-z][a-z0-9+.-]*:", RegexOptions.IgnoreCase))
                {
                    continue; // http:, https:, mailto: and the like are not checked here (no network)
                }
                links++;
                int hash = link.IndexOf('#', StringComparison.Ordinal);
                string file = hash < 0 ? link : link[..hash];
                string? fragment = hash < 0 ? null : link[(hash + 1)..];
                string target = file.Length == 0 ? document : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(document)!, Uri.UnescapeDataString(file)));
                string name = Path.GetRelativePath(root, document);
                if (!File.Exists(target) && !Directory.Exists(target))
                {
                    broken.Add($"{name}: {link} (no such file)");
                }
                else if (fragment is not null && target.EndsWith(".md", StringComparison.Ordinal) && !Anchors(target).Contains(fragment))
                {
                    broken.Add($"{name}: {link} (no heading with that anchor in {Path.GetFileName(target)})");
                }
            }
        }
        Assert.True(links >= 50, $"only {links} relative links were found: the check would prove little");
        Assert.True(broken.Count == 0, "Broken links in the docs:\n" + string.Join('\n', broken));
    }
}
