using Portal.Core.Common;
using Portal.Core.Ingestion.Metrics;

namespace Portal.Metrics;

/// <summary>Records each ingestion request's status code by source once it has been answered.</summary>
internal sealed class RequestMetricsMiddleware(IngestionMetrics metrics) : IMiddleware
{
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        finally
        {
            metrics.RequestAnswered(SourceOf(context.Request.Path), context.Response.StatusCode);
        }
    }

    private static string SourceOf(PathString path) =>
        path.StartsWithSegments("/data/segmentio") ? GroupTypes.Segment : path.StartsWithSegments("/data/agent") ? GroupTypes.Agent : "other";
}
