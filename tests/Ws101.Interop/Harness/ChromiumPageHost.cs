using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ws101.Interop.Harness;

/// <summary>
/// Serves the harness page (ChromiumPage.html) over http://127.0.0.1:PORT/ so the browser's WebSockets
/// come from a real origin (and a secure context, for crypto.subtle), as a user's page would.
/// </summary>
internal sealed class ChromiumPageHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ChromiumPageHost(WebApplication app, Uri pageUrl)
    {
        _app = app;
        PageUrl = pageUrl;
    }

    /// <summary>The page's URL.</summary>
    public Uri PageUrl { get; }

    /// <summary>Starts serving the page.</summary>
    public static async Task<ChromiumPageHost> StartAsync(CancellationToken cancellationToken)
    {
        string html = ReadPage();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        app.Run(context =>
        {
            if (context.Request.Path != "/")
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
            context.Response.ContentType = "text/html; charset=utf-8";
            return context.Response.WriteAsync(html);
        });
        await app.StartAsync(cancellationToken).WaitAsync(PeerTimeouts.Step, cancellationToken).ConfigureAwait(false);
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
        return new ChromiumPageHost(app, new Uri($"http://127.0.0.1:{bound.Port}/"));
    }

    /// <summary>Stops serving.</summary>
    public async ValueTask DisposeAsync()
    {
        using var deadline = new CancellationTokenSource(PeerTimeouts.GracefulStop);
        try
        {
            await _app.StopAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Aborted by the disposal below.
        }
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The harness page's HTML (the embedded ChromiumPage.html), for servers that serve it from their own origin.</summary>
    internal static string ReadPage()
    {
        using Stream stream = typeof(ChromiumPageHost).Assembly.GetManifestResourceStream("Ws101.Interop.ChromiumPage.html")
            ?? throw new InvalidOperationException("the embedded resource Ws101.Interop.ChromiumPage.html is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
