using Ws101.Protocol;

namespace Ws101.Tests.Protocol;

/// <summary>Theory data: every conformance test runs once as a server and once as a client.</summary>
public static class Roles
{
    public static TheoryData<WebSocketRole> Both => new() { WebSocketRole.Server, WebSocketRole.Client };
}
