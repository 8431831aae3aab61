using System.Text.RegularExpressions;

namespace Ws101.Tests.Cli;

/// <summary>Every C# block shown in README.md and docs/*.md also stands in docs/samples, which the build compiles.</summary>
public partial class DocumentationSamplesTests
{
    [GeneratedRegex("```csharp\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    private static string Root()
    {
        string dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Ws101.sln")))
        {
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("The repository root was not found.");
        }
        return dir;
    }

    // Blank lines and using directives are left out: a sample file has its usings at the top, apart from the code.
    private static List<string> Lines(string text) =>
        text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.Trim())
            .Where(l => l.Length > 0 && !(l.StartsWith("using ", StringComparison.Ordinal) && l.EndsWith(';') && !l.Contains('=', StringComparison.Ordinal)))
            .ToList();

    private static bool ContainsRun(List<string> haystack, List<string> needle)
    {
        for (int i = 0; i + needle.Count <= haystack.Count; i++)
        {
            if (haystack.Skip(i).Take(needle.Count).SequenceEqual(needle, StringComparer.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    [Fact]
    public void every_csharp_block_in_the_docs_is_compiled_in_docs_samples()
    {
        string root = Root();
        var samples = Directory.GetFiles(Path.Combine(root, "docs", "samples"), "*.cs").Select(f => Lines(File.ReadAllText(f))).ToList();
        // docs/testing.md shows test-harness code, which lives (and compiles) in tests/Ws101.Interop, not for users.
        var documents = Directory.GetFiles(Path.Combine(root, "docs"), "*.md")
            .Where(f => Path.GetFileName(f) != "testing.md")
            .Append(Path.Combine(root, "README.md"));
        int blocks = 0;
        foreach (var document in documents)
        {
            foreach (Match match in CSharpBlock().Matches(File.ReadAllText(document).Replace("\r\n", "\n", StringComparison.Ordinal)))
            {
                blocks++;
                var block = Lines(match.Groups[1].Value);
                Assert.True(samples.Any(s => ContainsRun(s, block)),
                    $"A C# block in {Path.GetFileName(document)} is not in docs/samples (so it is not compiled):\n{match.Groups[1].Value}");
            }
        }
        Assert.True(blocks >= 2, "no C# blocks were found: the check would prove nothing");
    }
}
