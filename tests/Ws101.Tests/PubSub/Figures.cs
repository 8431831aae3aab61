namespace Ws101.Tests.PubSub;

/// <summary>Measured figures: to the test's output, and appended to topics-figures.txt beside the test binaries for reports.</summary>
internal static class Figures
{
    public static void Note(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        File.AppendAllText(Path.Combine(AppContext.BaseDirectory, "topics-figures.txt"), $"{DateTime.UtcNow:O} {TestContext.Current.Test?.TestDisplayName}: {line}\n");
    }
}
