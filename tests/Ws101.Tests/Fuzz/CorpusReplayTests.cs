using Ws101.Fuzz;

namespace Ws101.Tests.Fuzz;

/// <summary>
/// The committed fuzz inputs (fuzz/corpus/TARGET: seeds from real peers and the unit tests' crafted cases;
/// fuzz/regressions/TARGET: every crash or hang the fuzzer found, kept after its fix) run through the same target
/// functions that afl-fuzz drives (fuzz/Ws101.Fuzz), in-process: every one must return normally.
/// </summary>
public sealed class CorpusReplayTests
{
    public static TheoryData<string> Targets => new(FuzzTargets.All.Select(t => t.Name));

    [Theory]
    [MemberData(nameof(Targets))]
    public void every_committed_input_of_a_target_runs_without_an_exception(string name)
    {
        var target = FuzzTargets.Find(name)!;
        var files = InputsOf(name);
        Assert.NotEmpty(files);
        var failures = new List<string>();
        foreach (var file in files)
        {
            try
            {
                target.Run(File.ReadAllBytes(file));
            }
            catch (Exception ex)
            {
                failures.Add($"{Path.GetRelativePath(Root, file)}: {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {files.Count} inputs failed:\n" + string.Join("\n", failures));
    }

    [Fact]
    public void every_target_has_a_seed_corpus_and_every_input_folder_names_a_target()
    {
        var names = FuzzTargets.All.Select(t => t.Name).ToHashSet();
        Assert.All(names, n => Assert.NotEmpty(Directory.GetFiles(Path.Combine(Root, "fuzz", "corpus", n))));
        foreach (var kind in new[] { "corpus", "regressions" })
        {
            string dir = Path.Combine(Root, "fuzz", kind);
            var folders = Directory.Exists(dir) ? Directory.GetDirectories(dir).Select(d => Path.GetFileName(d)!) : [];
            Assert.All(folders, f => Assert.Contains(f, names));
        }
    }

    /// <summary>The corpus and regression files of a target, as fuzz/run.sh seeds afl-fuzz with them.</summary>
    internal static List<string> InputsOf(string target) =>
        new[] { "corpus", "regressions" }
            .Select(kind => Path.Combine(Root, "fuzz", kind, target))
            .Where(Directory.Exists)
            .SelectMany(Directory.GetFiles)
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>One regression input, for the named test that states what it found.</summary>
    internal static byte[] Regression(string target, string name) => File.ReadAllBytes(Path.Combine(Root, "fuzz", "regressions", target, name));

    internal static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        string dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Ws101.sln")))
        {
            dir = Path.GetDirectoryName(dir.TrimEnd('/')) ?? throw new InvalidOperationException("Ws101.sln not found above the test binaries");
        }
        return dir;
    }
}
