using Microsoft.Playwright;
using Ws101.Interop.Harness;

namespace Ws101.Interop.Playground;

/// <summary>Where the playground's screenshots go: test-output/playground/ at the repository root.</summary>
internal static class PlaygroundScreenshots
{
    public static string Folder
    {
        get
        {
            string folder = Path.Combine(PeerEnvironment.RepositoryRoot, "test-output", "playground");
            Directory.CreateDirectory(folder);
            return folder;
        }
    }

    /// <summary>Saves a picture of one element (a panel) as NAME.png and returns the file's path.</summary>
    public static async Task<string> SaveAsync(ILocator element, string name)
    {
        string path = Path.Combine(Folder, name + ".png");
        await element.ScrollIntoViewIfNeededAsync(new LocatorScrollIntoViewIfNeededOptions { Timeout = 10_000 }).ConfigureAwait(false);
        await element.ScreenshotAsync(new LocatorScreenshotOptions { Path = path, Timeout = 15_000, Animations = ScreenshotAnimations.Disabled }).ConfigureAwait(false);
        return path;
    }
}
