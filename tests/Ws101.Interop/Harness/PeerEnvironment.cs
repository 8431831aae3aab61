namespace Ws101.Interop.Harness;

/// <summary>Where the peers' programs and scripts are on this machine.</summary>
public static class PeerEnvironment
{
    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    /// <summary>The repository root (the folder holding Ws101.sln).</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>tests/peers/node, holding peer.js, package.json, package-lock.json and (after npm ci) node_modules.</summary>
    public static string NodePeerDirectory => Path.Combine(RepositoryRoot, "tests", "peers", "node");

    /// <summary>tests/peers/python, holding peer.py.</summary>
    public static string PythonPeerDirectory => Path.Combine(RepositoryRoot, "tests", "peers", "python");

    /// <summary>The node program: $WS101_NODE, or "node" from PATH.</summary>
    public static string Node => Environment.GetEnvironmentVariable("WS101_NODE") is { Length: > 0 } node ? node : "node";

    /// <summary>
    /// The Python that has Debian's python3-websockets: $WS101_PYTHON, or /usr/bin/python3 (not the
    /// first python3 on PATH, which may be a pyenv or venv interpreter without Debian's packages).
    /// </summary>
    public static string Python => Environment.GetEnvironmentVariable("WS101_PYTHON") is { Length: > 0 } python ? python : "/usr/bin/python3";

    /// <summary>Debian's Chromium: $WS101_CHROMIUM, or the first chromium on PATH, or /usr/bin/chromium.</summary>
    public static string Chromium
    {
        get
        {
            if (Environment.GetEnvironmentVariable("WS101_CHROMIUM") is { Length: > 0 } chromium)
            {
                return chromium;
            }
            foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                string candidate = Path.Combine(folder, "chromium");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
            return "/usr/bin/chromium";
        }
    }

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Ws101.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException($"Ws101.sln not found above {AppContext.BaseDirectory}; the interop tests run from the repository's build output.");
    }
}
