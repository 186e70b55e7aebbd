using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Portal.Core.Applications;
using Portal.Core.Ingestion;
using Portal.Core.Ingestion.Metrics;

namespace Portal.Ingestion;

/// <summary>A token bucket per API key (Ingestion:RateLimit:RequestsPerSecond; 0 = off). Refusals: 429 with Retry-After.</summary>
internal sealed class IngestionRateLimitPolicy(IOptions<IngestionOptions> options) : IRateLimiterPolicy<string>
{
    public const string Name = "ingestion";

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = async (context, cancellationToken) =>
    {
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
        context.HttpContext.RequestServices.GetRequiredService<IngestionMetrics>().Refused("rate_limited");
        context.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await context.HttpContext.Response.WriteAsJsonAsync(new IngestionError("Too many requests for this API key."), cancellationToken);
    };

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
    {
        var perSecond = options.Value.RateLimit.RequestsPerSecond;
        if (perSecond <= 0) return RateLimitPartition.GetNoLimiter("off");
        var presented = httpContext.GetRouteValue("apiKey") as string;
        // Malformed keys share one bucket so junk cannot mint partitions; they are refused with 401 anyway.
        var partition = ApiKeyFormat.IsWellFormed(presented) ? ApiKeyFormat.Normalize(presented!) : "malformed";
        return RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perSecond,
            // Refilled in tenths of a second, so a burst cannot take a whole second's tokens twice in a row.
            TokensPerPeriod = perSecond >= 10 ? perSecond / 10 : perSecond,
            ReplenishmentPeriod = perSecond >= 10 ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }
}
