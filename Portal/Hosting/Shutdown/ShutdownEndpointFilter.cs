namespace Portal.Hosting.Shutdown;

/// <summary>
/// Once the application is stopping, answers 503 with <c>Retry-After</c> and <c>Connection: close</c>: the
/// sender learns why, retries elsewhere or later, and its keep-alive connection ends cleanly instead of being reset.
/// </summary>
public sealed class ShutdownEndpointFilter(IHostApplicationLifetime lifetime) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!lifetime.ApplicationStopping.IsCancellationRequested) return await next(context);
        var response = context.HttpContext.Response;
        response.Headers.RetryAfter = "1";
        response.Headers.Connection = "close";
        return TypedResults.Json(new Portal.Ingestion.IngestionError("Portal is shutting down; retry shortly."), statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
