using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Ws101.Tests.Diagnostics;

/// <summary>A logger factory that keeps every formatted line, at every level, for tests to read.</summary>
internal sealed class ListLoggerFactory(ConcurrentQueue<string> lines) : ILoggerFactory, ILogger
{
    public ILogger CreateLogger(string categoryName) => this;
    public void AddProvider(ILoggerProvider provider) { }
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => true;
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        lines.Enqueue(formatter(state, exception));
    public void Dispose() { }
}
