namespace Ws101Server;

/// <summary>The command line: <c>--port N</c> (default 8080, or the PORT environment variable).</summary>
internal static class Settings
{
    public static int Port(string[] args)
    {
        string? text = Environment.GetEnvironmentVariable("PORT");
        for (int i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == "--port")
            {
                text = args[i + 1];
            }
        }
        if (text is null)
        {
            return 8080;
        }
        if (!int.TryParse(text, out int port) || port is < 0 or > 65535)
        {
            Console.Error.WriteLine($"error: the port '{text}' is not a number from 0 to 65535.");
            Environment.Exit(2);
        }
        return port;
    }
}
