// The client bench: what one WebSocket client library costs its process per message and per connection, Ws101's
// WebSocketClient beside .NET's own ClientWebSocket, all against the same C echo server (bench/server/floor.c, which
// costs the least a server can), each measurement in a process of its own pinned to CPU 1 with the server on CPU 0.
//
//   ClientEcho run PORT [ROUNDS] [SECONDS] [WARMUP]                the whole table (spawns a child per measurement)
//   ClientEcho echo IMPL URL CONNECTIONS SIZE WARMUP SECONDS       one closed-loop echo measurement; prints RESULT
//   ClientEcho connect IMPL URL CONCURRENCY WARMUP SECONDS         one connect-and-close measurement; prints RESULT
//
// IMPL is "ws101" (Ws101's client on .NET's sockets, the default), "ws101-loop" (its UseEventLoop option) or
// "clientwebsocket". The figure to read is the client's CPU per message (user + system, from
// getrusage through Environment.CpuUsage): the server is the same for all, and the machine's drift moves the
// measurements of a round alike, so the ratio is taken within a round and the median of the rounds' ratios reported.
using System.Globalization;
using Ws101.Bench.Client;

var inv = CultureInfo.InvariantCulture;
switch (args.FirstOrDefault())
{
    case "echo" when args.Length == 7:
        return await Measure.EchoAsync(ClientKindOf(args[1]), new Uri(args[2]), int.Parse(args[3], inv), int.Parse(args[4], inv),
            double.Parse(args[5], inv), double.Parse(args[6], inv));
    case "connect" when args.Length == 6:
        return await Measure.ConnectAsync(ClientKindOf(args[1]), new Uri(args[2]), int.Parse(args[3], inv),
            double.Parse(args[4], inv), double.Parse(args[5], inv));
    case "run" when args.Length >= 2:
        int port = int.Parse(args[1], inv);
        int rounds = args.Length > 2 ? int.Parse(args[2], inv) : 5;
        double seconds = args.Length > 3 ? double.Parse(args[3], inv) : 5;
        double warmup = args.Length > 4 ? double.Parse(args[4], inv) : 2;
        return await Table.RunAsync(port, rounds, seconds, warmup);
    default:
        Console.Error.WriteLine("usage: ClientEcho run PORT [ROUNDS] [SECONDS] [WARMUP]");
        Console.Error.WriteLine("       ClientEcho echo ws101|ws101-loop|clientwebsocket URL CONNECTIONS SIZE WARMUP SECONDS");
        Console.Error.WriteLine("       ClientEcho connect ws101|ws101-loop|clientwebsocket URL CONCURRENCY WARMUP SECONDS");
        return 2;
}

static ClientKind ClientKindOf(string name) => name switch
{
    "ws101" => ClientKind.Ws101,
    "ws101-loop" => ClientKind.Ws101EventLoop,
    "clientwebsocket" => ClientKind.ClientWebSocket,
    _ => throw new ArgumentException($"unknown client '{name}': ws101, ws101-loop or clientwebsocket"),
};
