using System.Collections.Frozen;
using System.Reflection;

namespace Ws101.Cli.Playground;

/// <summary>
/// The playground's files (wwwroot/), embedded in the tool's assembly and read into memory once: serving
/// them needs no folder next to the tool and no build step at run time.
/// </summary>
internal static class StaticFiles
{
    /// <summary>The prefix MSBuild gives the embedded files (see Ws101.Cli.csproj).</summary>
    private const string ResourcePrefix = "Ws101.Cli.Playground.wwwroot/";

    private static readonly Lazy<FrozenDictionary<string, StaticFile>> Files = new(Load);

    /// <summary>The file served at <paramref name="path"/> (<c>/</c> is index.html), or null.</summary>
    public static StaticFile? Find(string path)
    {
        if (path == "/")
        {
            path = "/index.html";
        }
        return Files.Value.GetValueOrDefault(path);
    }

    private static FrozenDictionary<string, StaticFile> Load()
    {
        var assembly = typeof(StaticFiles).Assembly;
        var files = new Dictionary<string, StaticFile>(StringComparer.Ordinal);
        foreach (string name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }
            string fileName = name[ResourcePrefix.Length..];
            using var stream = assembly.GetManifestResourceStream(name)
                ?? throw new InvalidOperationException($"The embedded resource {name} cannot be read.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files["/" + fileName] = new StaticFile("/" + fileName, ContentTypeOf(fileName), copy.ToArray());
        }
        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentTypeOf(string fileName) => Path.GetExtension(fileName) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".json" => "application/json",
        ".txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
}

/// <summary>One embedded file.</summary>
/// <param name="Path">The URL path it is served at.</param>
/// <param name="ContentType">Its media type.</param>
/// <param name="Content">Its bytes.</param>
internal sealed record StaticFile(string Path, string ContentType, ReadOnlyMemory<byte> Content);
