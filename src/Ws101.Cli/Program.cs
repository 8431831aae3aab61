namespace Ws101.Cli;

internal static class Program
{
    public static int Main(string[] args) => Ws101Command.Run(args);
}
