using System.CommandLine;

namespace Ws101.Cli;

internal static class Ws101Command
{
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        var root = new RootCommand("ws101: compute, diagnose and serve WebSocket handshakes (RFC 6455).");
        var config = new InvocationConfiguration { Output = output ?? Console.Out, Error = error ?? Console.Error };
        return root.Parse(args).Invoke(config);
    }
}
