using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Ws101.Tests.Diagnostics;

/// <summary>
/// A logger that lets through the levels from <paramref name="minimum"/> up (LogLevel.None: nothing) and counts what
/// the library asks of it: IsEnabled checks, Log calls (at any level, even those it said were off) and formatter
/// invocations, with the event ids it was handed.
/// </summary>
internal sealed class CountingLogger(LogLevel minimum) : ILoggerFactory, ILogger
{
    private int _isEnabledCalls;
    private int _logCalls;
    private int _formatterCalls;

    public int IsEnabledCalls => Volatile.Read(ref _isEnabledCalls);
    public int LogCalls => Volatile.Read(ref _logCalls);
    public int FormatterCalls => Volatile.Read(ref _formatterCalls);
    public ConcurrentQueue<EventId> Events { get; } = new();

    public ILogger CreateLogger(string categoryName) => this;
    public void AddProvider(ILoggerProvider provider) { }
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel)
    {
        Interlocked.Increment(ref _isEnabledCalls);
        return logLevel >= minimum && logLevel != LogLevel.None;
    }

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        Interlocked.Increment(ref _logCalls);
        Events.Enqueue(eventId);
        if (logLevel >= minimum && logLevel != LogLevel.None)
        {
            Interlocked.Increment(ref _formatterCalls);
            _ = formatter(state, exception);
        }
    }

    public void Dispose() { }
}
