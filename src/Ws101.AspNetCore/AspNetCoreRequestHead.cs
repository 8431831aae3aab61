using Microsoft.AspNetCore.Http;
using Ws101.Handshake;

namespace Ws101.AspNetCore;

/// <summary>An ASP.NET Core request as the HTTP head Ws101's handshake checks read: method, target, version and header lines.</summary>
internal static class AspNetCoreRequestHead
{
    public static HttpRequestHead From(HttpRequest request)
    {
        var fields = new List<HttpHeaderField>();
        // Line 1 is the request line; Kestrel keeps the headers in arrival order, so the numbers match the wire's.
        int line = 2;
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                fields.Add(new HttpHeaderField(name, value ?? "", line++));
            }
        }
        var version = request.Protocol switch
        {
            "HTTP/1.0" => new Version(1, 0),
            "HTTP/2" or "HTTP/2.0" => new Version(2, 0),
            "HTTP/3" or "HTTP/3.0" => new Version(3, 0),
            _ => new Version(1, 1),
        };
        string target = (request.PathBase + request.Path).ToUriComponent() + request.QueryString.ToUriComponent();
        return HttpRequestHead.Create(request.Method, string.IsNullOrEmpty(target) ? "/" : target, version, fields);
    }
}
