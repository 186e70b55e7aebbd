using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Portal.Security;

public static class ForwardedHeadersExtensions
{
    /// <summary>X-Forwarded-For/Proto from trusted proxies only (<see cref="ReverseProxyOptions"/>).</summary>
    public static IServiceCollection AddPortalForwardedHeaders(this IServiceCollection services)
    {
        services.AddOptions<ReverseProxyOptions>().BindConfiguration(ReverseProxyOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ReverseProxyOptions>>((o, proxy) =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.ForwardLimit = proxy.Value.ForwardLimit;
            if (proxy.Value.KnownProxies.Length == 0 && proxy.Value.KnownNetworks.Length == 0)
            {
                // The framework's defaults (127.0.0.0/8 and ::1) are the "loopback only" default.
                return;
            }
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var p in proxy.Value.KnownProxies) o.KnownProxies.Add(IPAddress.Parse(p));
            foreach (var n in proxy.Value.KnownNetworks) o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(n));
        });
        return services;
    }

    /// <summary>First in the pipeline, so the scheme, cookies, HSTS, logs and rate limits all see the real client.</summary>
    public static IApplicationBuilder UsePortalForwardedHeaders(this IApplicationBuilder app) => app.UseForwardedHeaders();
}
