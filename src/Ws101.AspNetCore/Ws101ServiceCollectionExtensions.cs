using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Ws101.Server;

namespace Ws101.AspNetCore;

/// <summary>Registers a Ws101 server with a .NET host.</summary>
public static class Ws101ServiceCollectionExtensions
{
    /// <summary>
    /// Runs a Ws101 <see cref="WebSocketServer"/> as a hosted service: settings from <paramref name="configuration"/>
    /// (for example <c>builder.Configuration.GetSection("Ws101")</c>) then <paramref name="configure"/>, logging and
    /// metrics through the host, and a graceful stop (1001 to every connection, bounded by the host's shutdown timeout).
    /// </summary>
    public static IServiceCollection AddWs101Server(this IServiceCollection services, IConfiguration? configuration, Action<Ws101HostingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddOptions<Ws101HostingOptions>();
        if (configuration is not null)
        {
            builder.Bind(configuration);
        }
        builder.Configure(configure);
        services.AddSingleton<Ws101HostedService>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<Ws101HostedService>());
        services.AddSingleton(sp => new Ws101ServerAccessor(sp.GetRequiredService<Ws101HostedService>()));
        return services;
    }

    /// <summary>Runs a Ws101 server as a hosted service, configured in code.</summary>
    public static IServiceCollection AddWs101Server(this IServiceCollection services, Action<Ws101HostingOptions> configure) =>
        services.AddWs101Server(null, configure);
}

/// <summary>Gives access to the hosted <see cref="WebSocketServer"/> (its endpoints, its connections) once the host has started.</summary>
public sealed class Ws101ServerAccessor
{
    private readonly Ws101HostedService _service;

    internal Ws101ServerAccessor(Ws101HostedService service) => _service = service;

    /// <summary>The running server.</summary>
    /// <exception cref="InvalidOperationException">The host has not started it yet.</exception>
    public WebSocketServer Server => _service.Server;
}
