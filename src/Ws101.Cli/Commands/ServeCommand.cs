using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Ws101.Cli.Serve;
using Ws101.Handshake;
using Ws101.Protocol;
using Ws101.PubSub;
using Ws101.Redis;
using Ws101.Server;

namespace Ws101.Cli.Commands;

/// <summary>
/// <c>ws101 serve</c>: an echo server on <c>/echo</c>, a chat room on <c>/chat</c>, topics on <c>/topic/NAME</c> and the
/// playground on <c>/</c>, by default on 127.0.0.1:8080; with <c>--redis</c>, chat and topics span every node on that
/// Redis. Stops cleanly on Ctrl+C or SIGTERM.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(CliConsole console)
    {
        var host = new Option<string>("--host") { Description = "The address to listen on (an IPv4 or IPv6 address, or localhost).", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port", "-p") { Description = "The port to listen on (0 picks a free one).", DefaultValueFactory = _ => 8080 };
        var cert = new Option<string?>("--cert") { Description = "Serve wss:// with this certificate: a PEM file (with --key) or a PFX file." };
        var key = new Option<string?>("--key") { Description = "The PEM private key for --cert." };
        var password = new Option<string?>("--cert-password") { Description = "The password of a PFX --cert." };
        var maxMessage = new Option<long>("--max-message") { Description = "The largest message accepted, in bytes; larger ones are refused with 1009.", DefaultValueFactory = _ => ProtocolOptions.DefaultMaxSize };
        var origins = new Option<string[]>("--origin") { Description = "Allow only these Origins (repeat the option); without it every Origin is allowed.", AllowMultipleArgumentsPerToken = true };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Log only warnings and errors (not each connection and refusal)." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log debug details too (declined extension offers)." };
        var redis = new Option<string?>("--redis") { Description = "HOST:PORT of a Redis that carries /chat and /topic/NAME messages to every node using it." };
        var redisSharded = new Option<bool>("--redis-sharded") { Description = "Use Redis sharded pub/sub (SPUBLISH, for Redis Cluster) instead of PUBLISH." };
        var compress = new Option<bool>("--compress") { Description = "Accept permessage-deflate (RFC 7692) from clients that offer it, as browsers do." };
        var metrics = new Option<bool>("--metrics") { Description = "Serve the Ws101 metrics in Prometheus' format on http://HOST:METRICS-PORT/metrics (OpenTelemetry)." };
        var metricsPort = new Option<int>("--metrics-port") { Description = "The port of --metrics.", DefaultValueFactory = _ => MetricsEndpoint.DefaultPort };
        var command = new Command("serve", "Serve /echo, /chat and the playground (/) on 127.0.0.1:8080, or where --host and --port say.")
        {
            host, port, cert, key, password, maxMessage, origins, quiet, verbose, redis, redisSharded, compress, metrics, metricsPort,
        };
        command.SetAction((result, cancellationToken) => RunAsync(console, new Settings(
            result.GetValue(host)!, result.GetValue(port), result.GetValue(cert), result.GetValue(key), result.GetValue(password),
            result.GetValue(maxMessage), result.GetValue(origins) ?? [], result.GetValue(quiet), result.GetValue(verbose),
            result.GetValue(redis), result.GetValue(redisSharded), result.GetValue(compress), result.GetValue(metrics), result.GetValue(metricsPort)), cancellationToken));
        return command;
    }

    internal sealed record Settings(string Host, int Port, string? Cert, string? Key, string? Password, long MaxMessage, string[] Origins, bool Quiet, bool Verbose,
        string? Redis = null, bool RedisSharded = false, bool Compress = false, bool Metrics = false, int MetricsPort = MetricsEndpoint.DefaultPort);

    private static async Task<int> RunAsync(CliConsole console, Settings settings, CancellationToken cancellationToken)
    {
        WebSocketServer server;
        WebSocketTopics topics;
        try
        {
            server = Build(console, settings, out topics);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or IOException or System.Security.Cryptography.CryptographicException)
        {
            console.Error.WriteLine($"error: {ex.Message}");
            return ExitCodes.UsageError;
        }
        if (settings.Metrics && settings.MetricsPort is < 1 or > 65535)
        {
            console.Error.WriteLine($"error: --metrics-port {settings.MetricsPort} is not between 1 and 65535.");
            return ExitCodes.UsageError;
        }
        await using (topics.ConfigureAwait(false))
        await using (server.ConfigureAwait(false))
        {
            using var meterProvider = settings.Metrics ? MetricsEndpoint.Start(settings.Host, settings.MetricsPort) : null;
            try
            {
                // The backplane connects (or keeps retrying in the background) before the first client comes.
                await topics.StartAsync(cancellationToken).ConfigureAwait(false);
                await server.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (System.Net.Sockets.SocketException ex)
            {
                console.Error.WriteLine($"error: cannot listen on {settings.Host}:{settings.Port}: {ex.Message}");
                return ExitCodes.UsageError;
            }
            string scheme = settings.Cert is null ? "ws" : "wss";
            string http = settings.Cert is null ? "http" : "https";
            foreach (var ep in server.EndPoints)
            {
                string hostText = ep.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ep.Address}]" : ep.Address.ToString();
                console.Out.WriteLine($"ws101 serve: {scheme}://{hostText}:{ep.Port}/echo  {scheme}://{hostText}:{ep.Port}/chat  {scheme}://{hostText}:{ep.Port}/topic/NAME  playground {http}://{hostText}:{ep.Port}/");
            }
            if (settings.Metrics)
            {
                console.Out.WriteLine($"Metrics (Prometheus): {MetricsEndpoint.Url(settings.Host, settings.MetricsPort)}");
            }
            if (settings.Redis is not null)
            {
                console.Out.WriteLine($"Topics span every node on Redis {settings.Redis} (node {topics.NodeId}).");
            }
            console.Out.WriteLine("Press Ctrl+C to stop.");
            console.Out.Flush();
            var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.TrySetResult(); });
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; stop.TrySetResult(); });
            using var registration = cancellationToken.Register(() => stop.TrySetResult());
            await stop.Task.ConfigureAwait(false);
            console.Out.WriteLine($"Stopping: closing {server.ConnectionCount} connection(s) with 1001.");
            await server.StopAsync(CancellationToken.None).ConfigureAwait(false);
            console.Out.WriteLine("Stopped.");
        }
        return ExitCodes.Ok;
    }

    internal static WebSocketServer Build(CliConsole console, Settings settings) => Build(console, settings, out _);

    internal static WebSocketServer Build(CliConsole console, Settings settings, out WebSocketTopics topics)
    {
        IPAddress address = settings.Host == "localhost" ? IPAddress.Loopback
            : IPAddress.TryParse(settings.Host.Trim('[', ']'), out var parsed) ? parsed
            : throw new FormatException($"'{settings.Host}' is not an IP address (use 127.0.0.1, ::1, 0.0.0.0 or localhost).");
        if (settings.Port is < 0 or > 65535)
        {
            throw new ArgumentException($"The port {settings.Port} is not between 0 and 65535.");
        }
        if (settings.MaxMessage <= 0)
        {
            throw new ArgumentException("--max-message must be positive.");
        }
        var level = settings.Quiet ? LogLevel.Warning : settings.Verbose ? LogLevel.Debug : LogLevel.Information;
        var protocol = new ProtocolOptions { MaxMessageSize = settings.MaxMessage, MaxFrameSize = settings.MaxMessage };
        var options = new WebSocketServerOptions
        {
            EndPoints = [new IPEndPoint(address, settings.Port)],
            Certificate = settings.Cert is null ? null : CertificateFiles.Load(settings.Cert, settings.Key, settings.Password),
            Connection = new WebSocketConnectionOptions
            {
                Protocol = protocol,
                Compression = settings.Compress ? new Ws101.Compression.PerMessageDeflateOptions() : null,
            },
            LoggerFactory = new ConsoleLog(console.Out, level),
            HttpFallback = Playground.PlaygroundSite.Handle,
            MaxHttpBodyBytes = Playground.PlaygroundApi.MaxHttpBodyBytes,
        };
        var server = new WebSocketServer(options);
        var routeOptions = new WebSocketRouteOptions { OnUpgrade = OriginPolicy(settings.Origins) };
        var log = options.LoggerFactory;
        topics = new WebSocketTopics(new WebSocketTopicsOptions
        {
            LoggerFactory = log,
            Backplane = settings.Redis is null ? null : new RedisBackplane(new RedisBackplaneOptions
            {
                Configuration = settings.Redis,
                Sharded = settings.RedisSharded,
                LoggerFactory = log,
            }),
        });
        var chat = new ChatRoom(topics);
        var topicEndpoint = new TopicEndpoint(topics);
        var origin = routeOptions.OnUpgrade;
        server.Map("/echo", EchoEndpoint.HandleAsync, routeOptions);
        server.Map("/chat", chat.HandleAsync, routeOptions);
        server.Map(TopicEndpoint.Prefix + "*", topicEndpoint.HandleAsync, routeOptions with
        {
            OnUpgrade = request => origin?.Invoke(request) is { IsAccepted: false } refused ? refused : TopicEndpoint.Check(request),
        });
        return server;
    }

    private static Func<UpgradeRequest, UpgradeDecision>? OriginPolicy(string[] allowed)
    {
        if (allowed.Length == 0)
        {
            return null;
        }
        var set = new HashSet<string>(allowed.Select(o => o.TrimEnd('/')), StringComparer.OrdinalIgnoreCase);
        return request => request.Origin is { } origin && set.Contains(origin)
            ? UpgradeDecision.Accept()
            : UpgradeDecision.Reject(403, $"Origin '{request.Origin ?? "(none)"}' is not allowed; allowed: {string.Join(", ", set)}.");
    }
}
