namespace Ws101.Tests.Server;

/// <summary>
/// The options an application sets sit on the options of its role, not levels down: one <c>MaxMessageSize</c> limits a
/// message and a frame alike, and the other connection settings land in the connection options the server and client use.
/// </summary>
public class ApplicationOptionsTests
{
    [Fact]
    public void max_message_size_on_the_server_options_limits_both_frames_and_messages()
    {
        var options = new WebSocketServerOptions { MaxMessageSize = 4 << 20 };

        Assert.Equal(4 << 20, options.MaxMessageSize);
        Assert.Equal(4 << 20, options.Connection.Protocol.MaxMessageSize);
        Assert.Equal(4 << 20, options.Connection.Protocol.MaxFrameSize);
    }

    [Fact]
    public void the_connection_settings_on_the_client_options_reach_the_connection_options()
    {
        var compression = new PerMessageDeflateOptions();
        var options = new WebSocketClientOptions
        {
            MaxMessageSize = 64 * 1024,
            ReceiveMode = ReceiveMode.Streaming,
            Compression = compression,
            KeepAliveInterval = TimeSpan.FromSeconds(7),
            KeepAliveTimeout = TimeSpan.FromSeconds(8),
            SendTimeout = TimeSpan.FromSeconds(9),
            CloseTimeout = TimeSpan.FromSeconds(2),
            Subprotocols = ["chat.v2"],
            Origin = "https://example.com",
            Headers = [new("Authorization", "Bearer t")],
        };

        var c = options.Connection;
        Assert.Equal((64 * 1024L, 64 * 1024L, ReceiveMode.Streaming), (c.Protocol.MaxFrameSize, c.Protocol.MaxMessageSize, c.Protocol.ReceiveMode));
        Assert.Same(compression, c.Compression);
        Assert.Equal((7, 8, 9, 2), ((int)c.KeepAliveInterval.TotalSeconds, (int)c.KeepAliveTimeout.TotalSeconds, (int)c.SendTimeout.TotalSeconds, (int)c.CloseTimeout.TotalSeconds));
        Assert.Equal(["chat.v2"], options.Handshake.Subprotocols);
        Assert.Equal("https://example.com", options.Handshake.Origin);
        Assert.Equal("Bearer t", Assert.Single(options.Handshake.Headers).Value);
    }

    [Fact]
    public void the_order_of_the_settings_does_not_matter()
    {
        var first = new WebSocketServerOptions { ReceiveMode = ReceiveMode.Streaming, MaxMessageSize = 1 << 30 };
        var second = new WebSocketServerOptions { MaxMessageSize = 1 << 30, ReceiveMode = ReceiveMode.Streaming };

        Assert.Equal((first.Connection.Protocol.MaxMessageSize, first.Connection.Protocol.ReceiveMode),
            (second.Connection.Protocol.MaxMessageSize, second.Connection.Protocol.ReceiveMode));
    }

    [Fact]
    public void a_route_overrides_the_size_and_compression_of_the_server_and_keeps_the_rest()
    {
        var server = new WebSocketServerOptions { MaxMessageSize = 1 << 20, KeepAliveInterval = TimeSpan.FromSeconds(11) };
        var route = new WebSocketRouteOptions { MaxMessageSize = 8 << 20, Compression = new PerMessageDeflateOptions() };

        var inForce = route.ConnectionOptions(server.Connection);

        Assert.Equal((8L << 20, 8L << 20), (inForce.Protocol.MaxFrameSize, inForce.Protocol.MaxMessageSize));
        Assert.NotNull(inForce.Compression);
        Assert.Equal(TimeSpan.FromSeconds(11), inForce.KeepAliveInterval);
        Assert.Same(server.Connection, new WebSocketRouteOptions().ConnectionOptions(server.Connection));
    }
}
