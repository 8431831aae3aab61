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
        var password = new Option<string?>("--cert-password") { Description = "The password of a PFX --cert, or of an encrypted PEM --key." };
        var maxMessage = new Option<long>("--max-message") { Description = "The largest message accepted, in bytes; larger ones are refused with 1009.", DefaultValueFactory = _ => ProtocolOptions.DefaultMaxSize };
        var origins = new Option<string[]>("--origin") { Description = "Allow only these Origins (repeat the option); without it every Origin is allowed.", AllowMultipleArgumentsPerToken = true };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Log only warnings and errors (not each connection and refusal)." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log debug details too (declined extension offers)." };
        var redis = new Option<string?>("--redis") { Description = "HOST:PORT of a Redis that carries /chat and /topic/NAME messages to every node using it." };
        var redisSharded = new Option<bool>("--redis-sharded") { Description = "Use Redis sharded pub/sub (SPUBLISH, for Redis Cluster) instead of PUBLISH." };
        var presenceTtl = new Option<double>("--presence-ttl")
        {
            Description = "With --redis: seconds a node's part of a topic's presence (GET /presence/NAME) lives unless refreshed (each third of it); a node that dies drops out within this time.",
            DefaultValueFactory = _ => 15,
        };
        var history = new Option<int>("--history")
        {
            Description = "With --redis: keep the last COUNT messages of every topic in a Redis Stream, so that /topic/NAME?positions=1 clients can resume with &since=POSITION.",
        };
        var redisBacklog = new Option<double>("--redis-backlog")
        {
            Description = "With --redis: hold what this node publishes while its link to Redis is down, up to this many seconds (and 4 MiB), and send it, in order, once the link is back; 0 (the default) refuses such publishes at once and counts them lost.",
            HelpName = "SECONDS",
        };
        var compress = new Option<bool>("--compress") { Description = "Accept permessage-deflate (RFC 7692) from clients that offer it, as browsers do." };
        var metrics = new Option<bool>("--metrics") { Description = "Serve the Ws101 metrics in Prometheus' format on http://HOST:METRICS-PORT/metrics (OpenTelemetry)." };
        var metricsPort = new Option<int>("--metrics-port") { Description = "The port of --metrics.", DefaultValueFactory = _ => MetricsEndpoint.DefaultPort };
        var http2 = new Option<bool>("--http2") { Description = "Serve through ASP.NET Core's Kestrel with HTTP/1.1 and HTTP/2 (needs --cert): browsers then open WebSockets as HTTP/2 streams (RFC 8441)." };
        var reusePort = new Option<bool>("--reuse-port") { Description = "Share the port with other processes started with --reuse-port (SO_REUSEPORT); Linux spreads connections over them." };
        var maxConnections = new Option<int>("--max-connections") { Description = "The most connections open at once; beyond it new ones get 503 (also kept below the file-descriptor limit).", DefaultValueFactory = _ => new WebSocketServerOptions().MaxConnections };
        var stats = new Option<double>("--stats") { Description = "Print connections, memory (RSS, GC heap), threads and handles every this many seconds (0: never).", DefaultValueFactory = _ => 0 };
        var handshakeTimeout = new Option<double>("--handshake-timeout") { Description = "Seconds a client may take for TLS and its upgrade request before it is dropped.", DefaultValueFactory = _ => new WebSocketServerOptions().HandshakeTimeout.TotalSeconds };
        var transport = new Option<string>("--transport")
        {
            Description = "How the server drives its sockets: auto (the event loops on Linux x86-64, .NET sockets elsewhere), eventloop (Ws101's epoll loops; Linux x86-64 only) or sockets (.NET sockets, handlers on the thread pool).",
            DefaultValueFactory = _ => TransportNames[0],
            HelpName = string.Join('|', TransportNames),
        };
        transport.AcceptOnlyFromAmong(TransportNames);
        var command = new Command("serve", "Serve /echo, /chat and the playground (/) on 127.0.0.1:8080, or where --host and --port say.")
        {
            host, port, cert, key, password, maxMessage, origins, quiet, verbose, redis, redisSharded, redisBacklog, presenceTtl, history, compress, reusePort, maxConnections, handshakeTimeout, stats, http2,
            metrics, metricsPort, transport,
        };
        command.SetAction((result, cancellationToken) => RunAsync(console, new Settings(
            result.GetValue(host)!, result.GetValue(port), result.GetValue(cert), result.GetValue(key), result.GetValue(password),
            result.GetValue(maxMessage), result.GetValue(origins) ?? [], result.GetValue(quiet), result.GetValue(verbose),
            result.GetValue(redis), result.GetValue(redisSharded), result.GetValue(compress), result.GetValue(reusePort),
            result.GetValue(maxConnections), result.GetValue(handshakeTimeout), result.GetValue(stats), result.GetValue(http2),
            result.GetValue(presenceTtl), result.GetValue(history), result.GetValue(metrics), result.GetValue(metricsPort),
            TransportOf(result.GetValue(transport)!), result.GetValue(redisBacklog)), cancellationToken));
        return command;
    }

    internal sealed record Settings(string Host, int Port, string? Cert, string? Key, string? Password, long MaxMessage, string[] Origins, bool Quiet, bool Verbose,
        string? Redis = null, bool RedisSharded = false, bool Compress = false, bool ReusePort = false, int? MaxConnections = null, double? HandshakeTimeoutSeconds = null,
        double StatsSeconds = 0, bool Http2 = false, double PresenceTtl = 15, int History = 0, bool Metrics = false, int MetricsPort = MetricsEndpoint.DefaultPort,
        ServerTransport Transport = ServerTransport.Auto, double RedisBacklogSeconds = 0);

    /// <summary>The values of <c>--transport</c>; the first is the default.</summary>
    internal static readonly string[] TransportNames = ["auto", "eventloop", "sockets"];

    /// <summary>The transport a <c>--transport</c> value names (one of <see cref="TransportNames"/>, which the parser enforced).</summary>
    internal static ServerTransport TransportOf(string name) => name switch
    {
        "eventloop" => ServerTransport.EventLoop,
        "sockets" => ServerTransport.Sockets,
        _ => ServerTransport.Auto,
    };

    private static async Task<int> RunAsync(CliConsole console, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Http2)
        {
            return await KestrelServe.RunAsync(console, settings, cancellationToken).ConfigureAwait(false);
        }
        WebSocketServer server;
        WebSocketTopics topics;
        try
        {
            server = Build(console, settings, out topics);
        }
        // PlatformNotSupportedException: --transport eventloop where the event loops do not run (the server says where they do).
        catch (Exception ex) when (ex is ArgumentException or FormatException or IOException or PlatformNotSupportedException
            or System.Security.Cryptography.CryptographicException)
        {
            console.Error.WriteLine($"error: {ex.Message}");
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
                string hint = ex.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse
                    ? " (another process listens there; processes that should share a port must all be started with --reuse-port)" : "";
                console.Error.WriteLine($"error: cannot listen on {settings.Host}:{settings.Port}: {ex.Message}{hint}");
                return ExitCodes.UsageError;
            }
            catch (PlatformNotSupportedException ex)
            {
                console.Error.WriteLine($"error: {ex.Message}");
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
                console.Out.WriteLine($"Topics span every node on Redis {settings.Redis} (node {topics.NodeId})" +
                    (settings.History > 0 ? $"; each keeps its last {settings.History} messages (/topic/NAME?positions=1&since=POSITION resumes)" : "") +
                    (settings.RedisBacklogSeconds > 0 ? $"; publishes wait up to {settings.RedisBacklogSeconds:0.###} s while Redis is unreachable." : "."));
            }
            await using var statistics = ServeStats.Start(server, console.Out, TimeSpan.FromSeconds(settings.StatsSeconds));
            await WaitForStopAsync(console, cancellationToken).ConfigureAwait(false);
            console.Out.WriteLine($"Stopping: closing {server.ConnectionCount} connection(s) with 1001.");
            await server.StopAsync(CancellationToken.None).ConfigureAwait(false);
            var stats = topics.Statistics;
            if (stats.Published > 0)
            {
                // For scripts and benchmarks that compare what the nodes knew they lost with what the clients missed.
                console.Out.WriteLine($"Topics: published {stats.Published}, delivered {stats.Delivered}, skipped-slow {stats.SkippedSlow}, closed-slow {stats.ClosedSlow}, " +
                    $"backplane sent {stats.BackplaneSent}, received {stats.BackplaneReceived}, lost {stats.BackplaneLost}, missed {stats.BackplaneMissed}, " +
                    $"delayed {stats.BackplaneDelayed}, backlog-dropped {stats.BackplaneBacklogDropped}, malformed {stats.BackplaneMalformed}, " +
                    $"history recovered {stats.HistoryFilled}, replayed {stats.HistoryReplayed}.");
            }
            console.Out.WriteLine("Stopped.");
        }
        return ExitCodes.Ok;
    }

    /// <summary>Says how to stop, then waits for Ctrl+C, SIGTERM or the token.</summary>
    internal static async Task WaitForStopAsync(CliConsole console, CancellationToken cancellationToken)
    {
        console.Out.WriteLine("Press Ctrl+C to stop.");
        console.Out.Flush();
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.TrySetResult(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; stop.TrySetResult(); });
        using var registration = cancellationToken.Register(() => stop.TrySetResult());
        await stop.Task.ConfigureAwait(false);
    }

    internal static WebSocketServer Build(CliConsole console, Settings settings) => Build(console, settings, out _);

    internal static WebSocketServer Build(CliConsole console, Settings settings, out WebSocketTopics topics)
    {
        IPAddress address = Address(settings);
        var defaults = new WebSocketServerOptions();
        PresenceEndpoint? presence = null;
        var options = new WebSocketServerOptions
        {
            EndPoints = [new IPEndPoint(address, settings.Port)],
            Certificate = settings.Cert is null ? null : CertificateFiles.Load(settings.Cert, settings.Key, settings.Password),
            MaxMessageSize = settings.MaxMessage,
            Compression = Compression(settings),
            LoggerFactory = new ConsoleLog(console.Out, LogLevelOf(settings)),
            // GET /presence/NAME first (once the topics exist), then the playground.
            HttpFallback = (request, ct) => presence is not null && PresenceEndpoint.Matches(request.Head.Path) ? presence.HandleAsync(request, ct) : Playground.PlaygroundSite.Handle(request, ct),
            MaxHttpBodyBytes = Playground.PlaygroundApi.MaxHttpBodyBytes,
            ReusePort = settings.ReusePort,
            MaxConnections = settings.MaxConnections ?? defaults.MaxConnections,
            HandshakeTimeout = settings.HandshakeTimeoutSeconds is { } timeout ? TimeSpan.FromSeconds(timeout) : defaults.HandshakeTimeout,
            Transport = settings.Transport,
        };
        var server = new WebSocketServer(options);
        topics = MapRoutes(settings, options.LoggerFactory, TopicEndpoint.Prefix + "*", (path, handler, route) => server.Map(path, handler, route));
        presence = new PresenceEndpoint(topics);
        return server;
    }

    /// <summary>The address to listen on, after checking the settings a user can get wrong.</summary>
    internal static IPAddress Address(Settings settings)
    {
        IPAddress address = settings.Host == "localhost" ? IPAddress.Loopback
            : IPAddress.TryParse(settings.Host.Trim('[', ']'), out var parsed) ? parsed
            : throw new FormatException($"'{settings.Host}' is not an IP address (use 127.0.0.1, ::1, 0.0.0.0 or localhost).");
        if (settings.Port is < 0 or > 65535)
        {
            throw new ArgumentException($"The port {settings.Port} is not between 0 and 65535.");
        }
        if (settings.Metrics && settings.MetricsPort is < 1 or > 65535)
        {
            throw new ArgumentException($"--metrics-port {settings.MetricsPort} is not between 1 and 65535.");
        }
        if (settings.MaxMessage <= 0)
        {
            throw new ArgumentException("--max-message must be positive.");
        }
        if (double.IsNaN(settings.StatsSeconds) || settings.StatsSeconds < 0 || settings.StatsSeconds > 86400)
        {
            throw new ArgumentException("--stats must be a number of seconds from 0 (off) to 86400.");
        }
        if (settings.MaxConnections is <= 0)
        {
            throw new ArgumentException("--max-connections must be positive.");
        }
        if (settings.HandshakeTimeoutSeconds is { } seconds && (double.IsNaN(seconds) || seconds <= 0 || seconds > 3600))
        {
            throw new ArgumentException("--handshake-timeout must be a number of seconds above 0 and at most 3600.");
        }
        if (settings.History < 0 || (settings.History > 0 && settings.Redis is null))
        {
            throw new ArgumentException("--history COUNT needs --redis HOST:PORT (the history is a Redis Stream per topic) and a positive COUNT.");
        }
        if (double.IsNaN(settings.RedisBacklogSeconds) || settings.RedisBacklogSeconds < 0 || settings.RedisBacklogSeconds > 3600)
        {
            throw new ArgumentException("--redis-backlog is a number of seconds from 0 (off) to 3600.");
        }
        if (settings.RedisBacklogSeconds > 0 && settings.Redis is null)
        {
            throw new ArgumentException("--redis-backlog SECONDS needs --redis HOST:PORT (it holds publishes while the link to that Redis is down).");
        }
        if (settings.Http2 && settings.Transport != ServerTransport.Auto)
        {
            throw new ArgumentException("--transport chooses how Ws101's own server drives its sockets; with --http2, Kestrel serves and drives its own (leave --transport out).");
        }
        if (!(settings.PresenceTtl >= 0.3 && settings.PresenceTtl <= 86_400))
        {
            throw new ArgumentException("--presence-ttl is between 0.3 and 86400 seconds.");
        }
        return address;
    }

    internal static LogLevel LogLevelOf(Settings settings) => settings.Quiet ? LogLevel.Warning : settings.Verbose ? LogLevel.Debug : LogLevel.Information;

    internal static PerMessageDeflateOptions? Compression(Settings settings) => settings.Compress ? new PerMessageDeflateOptions() : null;

    /// <summary>
    /// Maps <c>/echo</c>, <c>/chat</c> and <c>/topic/NAME</c> (as <paramref name="topicPattern"/>, in the host's own route
    /// syntax) with <paramref name="map"/>, and returns the topics they share: the same endpoints whichever host serves them.
    /// Each endpoint is a message handler: a host that cannot drive callbacks runs its receive loop (<c>RunAsync</c>).
    /// </summary>
    internal static WebSocketTopics MapRoutes(Settings settings, ILoggerFactory log, string topicPattern,
        Action<string, WebSocketMessageHandler, WebSocketRouteOptions> map)
    {
        var routeOptions = new WebSocketRouteOptions
        {
            OnUpgrade = OriginPolicy(settings.Origins),
            MaxMessageSize = settings.MaxMessage,
            Compression = Compression(settings),
        };
        var ttl = TimeSpan.FromSeconds(settings.PresenceTtl);
        var topics = new WebSocketTopics(new WebSocketTopicsOptions
        {
            LoggerFactory = log,
            DefaultTopic = settings.History > 0 ? TopicOptions.Default with { History = new TopicHistory { MaxCount = settings.History } } : TopicOptions.Default,
            Presence = settings.Redis is null ? null : new TopicPresenceOptions { TimeToLive = ttl, Refresh = ttl / 3, Coalesce = TimeSpan.FromMilliseconds(Math.Min(50, ttl.TotalMilliseconds / 10)) },
            Backplane = settings.Redis is null ? null : new RedisBackplane(new RedisBackplaneOptions
            {
                Configuration = settings.Redis,
                Sharded = settings.RedisSharded,
                PublishBacklog = TimeSpan.FromSeconds(settings.RedisBacklogSeconds),
                LoggerFactory = log,
            }),
        });
        var chat = new ChatRoom(topics);
        var topicEndpoint = new TopicEndpoint(topics, history: settings.History > 0);
        var origin = routeOptions.OnUpgrade;
        map("/echo", EchoEndpoint.Instance, routeOptions);
        map("/chat", chat, routeOptions);
        map(topicPattern, topicEndpoint, routeOptions with
        {
            OnUpgrade = request => origin?.Invoke(request) is { IsAccepted: false } refused ? refused : topicEndpoint.Check(request),
        });
        return topics;
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
