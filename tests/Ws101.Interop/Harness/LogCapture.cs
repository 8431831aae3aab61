using Microsoft.Extensions.Logging;

namespace Ws101.Interop.Harness;

/// <summary>An <see cref="ILoggerProvider"/> that keeps every entry written through it, for tests that read a server's log.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly WaitableLog<(string Category, LogLevel Level, string Message)> _entries = new();

    /// <summary>Everything logged so far: category, level and the formatted message.</summary>
    public IReadOnlyList<(string Category, LogLevel Level, string Message)> Entries => _entries.Snapshot();

    /// <summary>Waits (bounded by the harness's step timeout) for an entry that matches.</summary>
    public Task<(string Category, LogLevel Level, string Message)> WaitForAsync(Func<(string Category, LogLevel Level, string Message), bool> match, string description,
        CancellationToken cancellationToken = default) =>
        _entries.WaitForAsync(match, description, PeerTimeouts.Step, () => string.Join(Environment.NewLine, Entries.Select(e => $"{e.Level} {e.Category}: {e.Message}")), cancellationToken);

    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._entries.Add((category, logLevel, formatter(state, exception)));
    }
}
