using Microsoft.Extensions.Logging;

namespace Ws101.Cli;

/// <summary>
/// A small logger for the tool's own console: one line per event, with the time and level. The library logs
/// through the abstractions; the tool decides where the lines go. It is also the provider of ASP.NET Core's logging when
/// <c>ws101 serve --http2</c> runs on Kestrel.
/// </summary>
internal sealed class ConsoleLog(TextWriter output, LogLevel minimum) : ILoggerFactory, ILoggerProvider, ILogger
{
    private readonly Lock _gate = new();

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }
        string level = logLevel switch
        {
            LogLevel.Trace => "trace",
            LogLevel.Debug => "debug",
            LogLevel.Information => "info ",
            LogLevel.Warning => "warn ",
            LogLevel.Error => "error",
            _ => "crit ",
        };
        string line = $"{DateTime.Now:HH:mm:ss.fff} {level} {formatter(state, exception)}";
        lock (_gate)
        {
            output.WriteLine(line);
            if (exception is not null)
            {
                output.WriteLine("  " + exception.GetType().Name + ": " + exception.Message);
            }
            output.Flush();
        }
    }

    public void Dispose()
    {
    }
}
