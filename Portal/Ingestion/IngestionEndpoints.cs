using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Portal.Core.Common;
using Portal.Core.Ingestion;
using Portal.Hosting.Shutdown;

namespace Portal.Ingestion;

/// <summary>
/// <c>POST /data/segmentio/{apiKey}</c> (Segment Webhooks (Actions), the Pendo path shape) and
/// <c>POST /data/agent/{apiKey}</c> (the in-page agent; CORS open). Anonymous: the key is the credential.
/// Content types: <c>application/json</c> (what Segment sends) and <c>text/plain</c> (what a browser can
/// send without a CORS preflight); anything else is 415.
/// </summary>
public static class IngestionEndpoints
{
    public const string AgentCorsPolicy = "ingestion-agent";

    public static WebApplication MapIngestion(this WebApplication app)
    {
        var data = app.MapGroup("/data").AllowAnonymous().DisableAntiforgery().RequireRateLimiting(IngestionRateLimitPolicy.Name)
            .AddEndpointFilter<ShutdownEndpointFilter>();

        data.MapPost("/segmentio/{apiKey}", HandleSegmentAsync)
            .RequireApiKey()
            .WithName("IngestSegment")
            .WithSummary("Receives Segment messages (a message, a bare array or {\"batch\": [...]}) as Pendo's webhook does.");

        data.MapPost("/agent/{apiKey}", HandleAgentAsync)
            .RequireApiKey()
            .RequireCors(AgentCorsPolicy)
            .WithName("IngestAgent")
            .WithSummary("Receives visitor and account metadata from the in-page agent (group type agent).");
        return app;
    }

    internal static Task<Results<Ok, JsonHttpResult<InvalidMessage[]>, JsonHttpResult<IngestionError>>> HandleSegmentAsync(
        HttpContext context, IngestionService ingestion) =>
        HandleAsync(context, ingestion, GroupTypes.Segment,
            (key, body) => ingestion.IngestSegmentAsync(key, body, context.Request.Headers["X-Signature"].ToString()));

    internal static Task<Results<Ok, JsonHttpResult<InvalidMessage[]>, JsonHttpResult<IngestionError>>> HandleAgentAsync(
        HttpContext context, IngestionService ingestion) =>
        HandleAsync(context, ingestion, GroupTypes.Agent, ingestion.IngestAgentAsync);

    private static async Task<Results<Ok, JsonHttpResult<InvalidMessage[]>, JsonHttpResult<IngestionError>>> HandleAsync(
        HttpContext context, IngestionService ingestion, string source,
        Func<Core.Applications.ResolvedApiKey, ReadOnlyMemory<byte>, Task<IngestionResult>> ingest)
    {
        var key = ApiKeyEndpointFilter.Get(context);
        var options = ingestion.Options;

        if (!IsAcceptedContentType(context.Request.ContentType))
            return await RefuseAsync(ingestion, key, source, StatusCodes.Status415UnsupportedMediaType,
                "Send the messages as application/json (text/plain is accepted too).");

        var (status, body) = await RequestBodyReader.ReadAsync(context, options.MaxRequestBytes);
        switch (status)
        {
            case BodyReadStatus.TooLarge:
                return await RefuseAsync(ingestion, key, source, StatusCodes.Status413PayloadTooLarge,
                    $"The body is larger than {options.MaxRequestBytes / 1024} KB (after decompression).");
            case BodyReadStatus.UnsupportedEncoding:
                return await RefuseAsync(ingestion, key, source, StatusCodes.Status415UnsupportedMediaType, "Only gzip Content-Encoding is supported.");
            case BodyReadStatus.BadEncoding:
                return await RefuseAsync(ingestion, key, source, StatusCodes.Status400BadRequest, "The gzip body could not be decompressed.");
        }

        using (body)
        {
            // The writer logs the body from this buffer, so it is released only after the commit.
            var result = await ingest(key, body!.Memory);
            switch (result.Status)
            {
                case IngestionStatus.Ok:
                    return TypedResults.Ok();
                case IngestionStatus.Invalid:
                    return TypedResults.Json(result.InvalidOutcomes.Select(o => new InvalidMessage(o.Index, o.Reason)).ToArray(),
                        statusCode: StatusCodes.Status400BadRequest);
                case IngestionStatus.Unauthorized:
                    return TypedResults.Json(new IngestionError(result.Error!), statusCode: StatusCodes.Status401Unauthorized);
                case IngestionStatus.Unavailable:
                    // Segment retries 5xx: nothing of this request was stored.
                    context.Response.Headers.RetryAfter = options.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                    return TypedResults.Json(new IngestionError(result.Error ?? "Portal is busy; retry shortly."), statusCode: StatusCodes.Status503ServiceUnavailable);
                default:
                    return TypedResults.Json(new IngestionError(result.Error ?? "The body was refused."), statusCode: StatusCodes.Status400BadRequest);
            }
        }
    }

    private static async Task<Results<Ok, JsonHttpResult<InvalidMessage[]>, JsonHttpResult<IngestionError>>> RefuseAsync(
        IngestionService ingestion, Core.Applications.ResolvedApiKey key, string source, int statusCode, string error)
    {
        await ingestion.RecordRejectedAsync(key, source, statusCode, error);
        return TypedResults.Json(new IngestionError(error), statusCode: statusCode);
    }

    internal static bool IsAcceptedContentType(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType)) return false;
        var mediaType = contentType.Split(';', 2)[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("text/plain", StringComparison.OrdinalIgnoreCase)
            || (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }
}
