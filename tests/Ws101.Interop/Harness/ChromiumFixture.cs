namespace Ws101.Interop.Harness;

/// <summary>
/// An xunit class fixture that launches one <see cref="ChromiumPeer"/> for a whole test class
/// (<c>IClassFixture&lt;ChromiumFixture&gt;</c>) and closes it afterwards.
/// </summary>
public class ChromiumFixture : IAsyncLifetime
{
    private ChromiumPeer? _chromium;

    /// <summary>The browser; valid inside the tests of the class.</summary>
    public ChromiumPeer Chromium => _chromium ?? throw new InvalidOperationException("the Chromium fixture is not initialized");

    /// <summary>How the browser is started; override for other flags.</summary>
    protected virtual ChromiumOptions Options => new();

    /// <inheritdoc/>
    public async ValueTask InitializeAsync() => _chromium = await ChromiumPeer.LaunchAsync(Options).ConfigureAwait(false);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_chromium is not null)
        {
            await _chromium.DisposeAsync().ConfigureAwait(false);
        }
        GC.SuppressFinalize(this);
    }
}
