using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Portal.Core.Applications;

namespace Portal.Hosting;

/// <summary>
/// Where this process's server listens: the bound addresses once it runs, else the configured <c>urls</c>
/// (the command line runs without starting the server), else Kestrel's default. A wildcard host becomes
/// loopback, which is where this machine reaches itself.
/// </summary>
internal sealed class KestrelListenAddress(IServer server, IConfiguration configuration) : IListenAddress
{
    private const string KestrelDefault = "http://localhost:5000";

    public string? BaseUrl
    {
        get
        {
            var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses;
            var candidates = bound is { Count: > 0 } ? bound
                : (configuration["urls"] ?? KestrelDefault).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var chosen = candidates.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? candidates.FirstOrDefault();
            return chosen is null ? null : Loopback(chosen).TrimEnd('/');
        }
    }

    private static string Loopback(string address)
    {
        var scheme = address.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0) return address;
        var hostStart = scheme + 3;
        var hostEnd = hostStart < address.Length && address[hostStart] == '[' ? address.IndexOf(']', hostStart) + 1 : address.IndexOfAny([':', '/'], hostStart);
        if (hostEnd <= 0) hostEnd = address.Length;
        var host = address[hostStart..hostEnd];
        return host is "*" or "+" or "0.0.0.0" or "[::]" ? address[..hostStart] + "127.0.0.1" + address[hostEnd..] : address;
    }
}
