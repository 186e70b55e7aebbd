using Microsoft.AspNetCore.RateLimiting;

namespace Portal.Ingestion;

public static class IngestionWebServiceCollectionExtensions
{
    /// <summary>The HTTP side of ingestion: the per-key rate limit and the agent route's CORS policy (Core services come with AddPortalCore).</summary>
    public static IServiceCollection AddPortalIngestion(this IServiceCollection services)
    {
        services.AddSingleton<IngestionRateLimitPolicy>();
        services.AddSingleton<ClientFaultLog>();
        services.AddSingleton<KeyFailureThrottle>();
        services.AddOptions<RateLimiterOptions>().Configure<IngestionRateLimitPolicy>((o, policy) => o.AddPolicy(IngestionRateLimitPolicy.Name, policy));
        services.AddCors(o => o.AddPolicy(IngestionEndpoints.AgentCorsPolicy, p => p
            .AllowAnyOrigin()
            .WithMethods(HttpMethods.Post)
            .WithHeaders("Content-Type")
            .SetPreflightMaxAge(TimeSpan.FromHours(1))));
        return services;
    }
}
