using System.Diagnostics;
using System.Globalization;

namespace Ws101.Bench.Client;

/// <summary>
/// The whole client bench: every point measured for each client in each round (the order rotating between rounds),
/// each measurement a fresh process pinned to CPU 1 (taskset), and a table of medians with the per-round ratios.
/// </summary>
internal static class Table
{
    private sealed record Point(string Name, string Mode, int Size, int Connections);

    private sealed record Result(double CpuMicros, double PerSecond, double Cores);

    private static readonly Point[] Points =
    [
        new("echo 20 B, 16 connections", "echo", 20, 16),
        new("echo 1 KiB, 16 connections", "echo", 1024, 16),
        new("echo 16 KiB, 16 connections", "echo", 16 * 1024, 16),
        new("echo 1 MiB, 4 connections", "echo", 1 << 20, 4),
        new("echo 20 B, 1 connection", "echo", 20, 1),
        new("connect and close, 4 at a time", "connect", 0, 4),
    ];

    private static readonly string[] Clients = ["clientwebsocket", "ws101", "ws101-loop"];

    public static async Task<int> RunAsync(int port, int rounds, double seconds, double warmup)
    {
        var inv = CultureInfo.InvariantCulture;
        var uri = $"ws://127.0.0.1:{port}/echo";
        Console.WriteLine(string.Create(inv, $"client bench: {rounds} round(s), {warmup} s warm-up and {seconds} s measured per run, server ws://127.0.0.1:{port}, clients on CPU 1"));
        var results = Points.ToDictionary(p => p, _ => Clients.ToDictionary(c => c, _ => new List<Result>()));
        for (int round = 0; round < rounds; round++)
        {
            foreach (var point in Points)
            {
                // Each client first, middle and last in turn, so that no client always follows the same one.
                var order = Clients.Skip(round % Clients.Length).Concat(Clients.Take(round % Clients.Length)).ToArray();
                foreach (string client in order)
                {
                    string[] arguments = point.Mode == "echo"
                        ? ["echo", client, uri, I(point.Connections), I(point.Size), I(warmup), I(seconds)]
                        : ["connect", client, uri, I(point.Connections), I(warmup), I(seconds)];
                    var result = await RunChildAsync(arguments, TimeSpan.FromSeconds(warmup + seconds + 90));
                    results[point][client].Add(result);
                    Console.WriteLine(string.Create(inv,
                        $"  round {round + 1}  {point.Name,-32} {client,-16} {result.CpuMicros,9:0.00} µs CPU  {result.PerSecond,9:0}/s  {result.Cores:0.00} of a core"));
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(inv, $"Client CPU per message (per connection for connect and close) and rate, median of {rounds} round(s); each ws101 client's ratio to ClientWebSocket is the median of the per-round ratios (each round's in brackets). Below 1: cheaper than ClientWebSocket."));
        Console.WriteLine();
        Console.WriteLine("| point | ClientWebSocket | ws101 | ws101, UseEventLoop | ws101 / ClientWebSocket | ws101 UseEventLoop / ClientWebSocket |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var point in Points)
        {
            var anchor = results[point]["clientwebsocket"];
            string Figure(string client) => string.Create(inv,
                $"{Median(results[point][client].Select(r => r.CpuMicros)):0.00} µs ({Median(results[point][client].Select(r => r.PerSecond)):0}/s)");
            string Ratio(string client)
            {
                double[] ratios = results[point][client].Zip(anchor, (o, a) => o.CpuMicros / a.CpuMicros).ToArray();
                return string.Create(inv, $"**{Median(ratios):0.00}x** ({string.Join(", ", ratios.Select(r => r.ToString("0.00", inv)))})");
            }
            Console.WriteLine($"| {point.Name} | {Figure("clientwebsocket")} | {Figure("ws101")} | {Figure("ws101-loop")} | {Ratio("ws101")} | {Ratio("ws101-loop")} |");
        }
        return 0;
    }

    private static string I(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static async Task<Result> RunChildAsync(string[] arguments, TimeSpan limit)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // Pinned to CPU 1 where taskset exists (the server is pinned to CPU 0 by run.sh).
        bool pin = File.Exists("/usr/bin/taskset");
        start.FileName = pin ? "/usr/bin/taskset" : Environment.ProcessPath!;
        if (pin)
        {
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("1");
            start.ArgumentList.Add(Environment.ProcessPath!);
        }
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(typeof(Table).Assembly.Location);
        }
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{string.Join(' ', arguments)}' did not finish within {limit.TotalSeconds:0} s");
        }
        string line = (await output).Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"'{string.Join(' ', arguments)}' exited with {process.ExitCode} and no RESULT line: {await errors}");
        var fields = line["RESULT ".Length..].Split(' ').Select(f => f.Split('=', 2)).ToDictionary(f => f[0], f => f[1]);
        var inv = CultureInfo.InvariantCulture;
        return new Result(double.Parse(fields["cpu_us"], inv), double.Parse(fields["per_s"], inv), double.Parse(fields["cores"], inv));
    }
}
