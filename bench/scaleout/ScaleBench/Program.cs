// bench/scaleout/ScaleBench: the scale-out scenarios of docs/topics.md, each run by bench/scaleout/run.sh.
//
//   ScaleBench h2h   --ws101 PATH --signalr PATH [--subscribers 50] [--rate 500] [--seconds 20] [--crash-at 8] [--down 2]
//                    [--history 100000] [--backlog 30] [--systems ws101,ws101-history,ws101-backlog,signalr] [--out DIR]
//   ScaleBench nodes --ws101 PATH [--nodes 1,2,3,4,5,6,7,8,9,10] [--subscribers 10000] [--rate 10] [--seconds 10] [--out DIR]
//
// Everything runs on 127.0.0.x; every child is stopped by its own pid; every wait is bounded.
using System.Globalization;
using ScaleBench;

if (args.Length == 0 || args[0] is not ("h2h" or "nodes"))
{
    Console.Error.WriteLine("usage: ScaleBench h2h|nodes --ws101 PATH [options] (see bench/scaleout/run.sh)");
    return 2;
}
var opts = new Dictionary<string, string>(StringComparer.Ordinal);
for (int i = 1; i + 1 < args.Length; i += 2)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal))
    {
        Console.Error.WriteLine($"unexpected '{args[i]}'");
        return 2;
    }
    opts[args[i][2..]] = args[i + 1];
}
string Get(string name, string fallback) => opts.GetValueOrDefault(name, fallback);
double Num(string name, double fallback) => double.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
string outDir = Get("out", Path.Combine(Path.GetTempPath(), "ws101-scaleout"));
Directory.CreateDirectory(outDir);
string ws101 = Get("ws101", "");
if (!File.Exists(ws101))
{
    Console.Error.WriteLine($"--ws101: no ws101 at '{ws101}'");
    return 2;
}

if (args[0] == "h2h")
{
    var o = new HeadToHead.Options(ws101, Get("signalr", ""), (int)Num("subscribers", 50), Num("rate", 500), Num("seconds", 20), Num("crash-at", 8), Num("down", 2),
        (int)Num("history", 100_000), Num("backlog", 30), Get("systems", "ws101,ws101-history,ws101-backlog,signalr").Split(','));
    var results = await HeadToHead.RunAllAsync(o);
    string table = HeadToHead.Table(results);
    Console.WriteLine();
    Console.WriteLine(table);
    File.WriteAllText(Path.Combine(outDir, "h2h.md"), table);
}
else
{
    var o = new TenNodes.Options(ws101, Get("nodes", "1,2,3,4,5,6,7,8,9,10").Split(',').Select(int.Parse).ToArray(), (int)Num("subscribers", 10_000), Num("rate", 10), Num("seconds", 10));
    var results = await TenNodes.RunAllAsync(o);
    string table = TenNodes.Table(results);
    Console.WriteLine();
    Console.WriteLine(table);
    File.WriteAllText(Path.Combine(outDir, "nodes.md"), table);
    string png = Path.Combine(outDir, "nodes.png");
    TenNodes.Plot(results, png, $"{o.Subscribers:N0} subscribers, {o.Rate}/s published, spread over N nodes");
    Console.WriteLine($"plot: {png}");
}
return 0;
