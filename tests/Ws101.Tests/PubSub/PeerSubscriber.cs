using System.Diagnostics;
using System.Text;

namespace Ws101.Tests.PubSub;

/// <summary>tests/peers/python/topic_subscriber.py or tests/peers/node/topic_subscriber.js: "ready", then "ok COUNT" or "error ...".</summary>
internal sealed class PeerSubscriber : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PeerSubscriber(Process process) => _process = process;

    public static async Task<PeerSubscriber> StartAsync(string program, string script, string url, int count, CancellationToken ct)
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Ws101.sln")))
        {
            root = Path.GetDirectoryName(root.TrimEnd('/')) ?? throw new InvalidOperationException("Ws101.sln not found above the test binaries");
        }
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.Combine(root, "tests", "peers", Path.GetDirectoryName(script)!),
        };
        foreach (var arg in new[] { Path.Combine(root, "tests", "peers", script), url, count.ToString(System.Globalization.CultureInfo.InvariantCulture), "30" })
        {
            info.ArgumentList.Add(arg);
        }
        var peer = new PeerSubscriber(Process.Start(info)!);
        var errors = new StringBuilder();
        peer._process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is "ready")
            {
                peer._ready.TrySetResult(e.Data);
            }
            else if (e.Data is { } line && (line.StartsWith("ok", StringComparison.Ordinal) || line.StartsWith("error", StringComparison.Ordinal)))
            {
                peer._ready.TrySetResult(line);
                peer._result.TrySetResult(line);
            }
        };
        peer._process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        peer._process.Exited += (_, _) =>
        {
            // The exit can be reported before the last lines are read (a peer prints "ok" and exits at once): WaitForExit
            // without a limit also waits for the redirected output's end, so such an "ok" is the result, not this.
            peer._process.WaitForExit();
            lock (errors)
            {
                peer._result.TrySetResult("exited: " + errors);
            }
        };
        peer._process.EnableRaisingEvents = true;
        peer._process.BeginOutputReadLine();
        peer._process.BeginErrorReadLine();
        string ready = await peer._ready.Task.WaitAsync(TimeSpan.FromSeconds(15), ct);
        Assert.True(ready == "ready", $"{script}: {ready} {errors}");
        return peer;
    }

    public Task<string> ResultAsync(TimeSpan limit) => _result.Task.WaitAsync(limit);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        _process.Dispose();
    }
}
