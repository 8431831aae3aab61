namespace Ws101.Cli;

/// <summary>The streams a command reads and writes; the real console, or strings in tests.</summary>
internal sealed record CliConsole(TextWriter Out, TextWriter Error, TextReader In);
