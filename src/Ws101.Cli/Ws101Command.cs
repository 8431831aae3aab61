using System.CommandLine;
using Ws101.Cli.Commands;

namespace Ws101.Cli;

/// <summary>The root of the <c>ws101</c> tool: one subcommand per task.</summary>
internal static class Ws101Command
{
    /// <summary>Runs the tool; the writers and reader are swappable so that tests drive it in-process.</summary>
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null, TextReader? input = null)
    {
        var console = new CliConsole(output ?? Console.Out, error ?? Console.Error, input ?? Console.In);
        var root = new RootCommand("ws101: compute, diagnose, probe, serve and load-test WebSocket handshakes and servers (RFC 6455).")
        {
            AcceptCommand.Create(console),
            DiagnoseCommand.Create(console),
            ServeCommand.Create(console),
            ConnectCommand.Create(console),
            ProbeCommand.Create(console),
            ProblemsCommand.Create(console),
            BenchCommand.Create(console),
        };
        var config = new InvocationConfiguration { Output = console.Out, Error = new ParseErrorWriter(console.Error) };
        var parsed = root.Parse(args);
        int code = parsed.Invoke(config);
        // A command line that does not parse is a command that could not run: exit 2, as for every other usage error.
        return parsed.Errors.Count > 0 && code != ExitCodes.Ok ? ExitCodes.UsageError : code;
    }
}
