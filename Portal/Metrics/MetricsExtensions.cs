using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Portal.Core.Ingestion.Metrics;
using Portal.Core.Users;

namespace Portal.Metrics;

public static class MetricsExtensions
{
    public const string ScrapePolicy = "metrics-scrape";

    /// <summary>OpenTelemetry metrics (Portal's ingestion meter, ASP.NET Core's and Kestrel's) with a Prometheus exporter, when Metrics:Enabled.</summary>
    public static IServiceCollection AddPortalMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RequestMetricsMiddleware>();
        services.AddAuthorizationBuilder().AddPolicy(ScrapePolicy, policy => policy.RequireAssertion(context => MayScrape(context)));
        if (configuration.GetValue<bool>($"{MetricsOptions.SectionName}:{nameof(MetricsOptions.Enabled)}"))
        {
            services.AddOpenTelemetry().WithMetrics(metrics => metrics
                .AddMeter(IngestionMetrics.MeterName, Core.Forwarding.ForwardingMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
                // Every scrape reads the instruments afresh: a scraper polls every few seconds anyway.
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        }
        return services;
    }

    /// <summary>Counts every answer of the ingestion routes, including the rate limiter's 429 and the key filter's 401.</summary>
    public static WebApplication UseIngestionRequestMetrics(this WebApplication app)
    {
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/data"), branch => branch.UseMiddleware<RequestMetricsMiddleware>());
        return app;
    }

    public static WebApplication MapPortalMetrics(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value;
        if (!options.Enabled) return app;
        var endpoint = app.MapPrometheusScrapingEndpoint(options.Path);
        if (options.AllowAnonymous) endpoint.AllowAnonymous();
        else endpoint.RequireAuthorization(ScrapePolicy);
        return app;
    }

    private static bool MayScrape(AuthorizationHandlerContext context)
    {
        if (context.User.IsInRole(PortalRoles.Admin)) return true;
        if (context.Resource is not HttpContext http) return false;
        var token = http.RequestServices.GetRequiredService<IOptions<MetricsOptions>>().Value.ScrapeToken;
        var header = http.Request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        if (string.IsNullOrEmpty(token) || !header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase)) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[bearer.Length..].Trim()), Encoding.UTF8.GetBytes(token));
    }
}
