namespace Ws101.Interop.Harness;

/// <summary>An xunit fixture that launches one <see cref="ChromiumRecorder"/> for the classes of <see cref="ChromiumRecorderCollection"/>.</summary>
public sealed class ChromiumRecorderFixture : IAsyncLifetime
{
    private ChromiumRecorder? _recorder;

    /// <summary>The browser; valid inside the tests of the class.</summary>
    public ChromiumRecorder Recorder => _recorder ?? throw new InvalidOperationException("the Chromium recorder is not initialized");

    /// <inheritdoc/>
    public async ValueTask InitializeAsync() => _recorder = await ChromiumRecorder.LaunchAsync().ConfigureAwait(false);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_recorder is not null)
        {
            await _recorder.DisposeAsync().ConfigureAwait(false);
        }
    }
}
