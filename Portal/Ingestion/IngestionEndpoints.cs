using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Portal.Core.Common;
using Portal.Core.Ingestion;
using Portal.Core.Ingestion.Metrics;
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

    internal static Task<Results<Ok, JsonHttpResult<InvalidMessage[]>, JsonHttpResult<IngestionError>, EmptyHttpResult>> HandleSegmentAsync(
        HttpContext context, IngestionService ingestion, ClientFaultLog faults, IngestionMetrics metrics, TimeProvider time) =>
        HandleAsync(context, ingestion, faults, metrics, time, GroupTypes.Segment,
            (key, body) => ingestion.IngestSegmentAsync(key, body, context.Request.Headers["X-Signature"].ToString()));

    internal static Task<Results<Ok, JsonHttpResult<InvalidMessage[]>, JsonHttpResult<IngestionError>, EmptyHttpResult>> HandleAgentAsync(
        HttpContext context, IngestionService ingestion, ClientFaultLog faults, IngestionMetrics metrics, TimeProvider time) =>
        HandleAsync(context, ingestion, faults, metrics, time, GroupTypes.Agent, ingestion.IngestAgentAsync);

    private static async Task<Results<Ok, JsonHttpResult<InvalidMessage[]>, JsonHttpResult<IngestionError>, EmptyHttpResult>> HandleAsync(
        HttpContext context, IngestionService ingestion, ClientFaultLog faults, IngestionMetrics metrics, TimeProvider time, string source,
        Func<Core.Applications.ResolvedApiKey, ReadOnlyMemory<byte>, Task<IngestionResult>> ingest)
    {
        var key = ApiKeyEndpointFilter.Get(context);
        var options = ingestion.Options;

        if (!IsAcceptedContentType(context.Request.ContentType))
            return await RefuseAsync(context, ingestion, faults, key, source, ClientFault.UnsupportedMedia, StatusCodes.Status415UnsupportedMediaType,
                "Send the messages as application/json (text/plain is accepted too).");

        var (status, body) = await RequestBodyReader.ReadAsync(context, options.MaxRequestBytes,
            TimeSpan.FromSeconds(options.RequestBodyTimeoutSeconds), time);
        switch (status)
        {
            case BodyReadStatus.TooLarge:
                return await RefuseAsync(context, ingestion, faults, key, source, ClientFault.TooLarge, StatusCodes.Status413PayloadTooLarge,
                    $"The body is larger than {options.MaxRequestBytes / 1024} KB (after decompression).");
            case BodyReadStatus.UnsupportedEncoding:
                return await RefuseAsync(context, ingestion, faults, key, source, ClientFault.UnsupportedMedia, StatusCodes.Status415UnsupportedMediaType,
                    "Only gzip Content-Encoding is supported.");
            case BodyReadStatus.BadEncoding:
                return await RefuseAsync(context, ingestion, faults, key, source, ClientFault.UnusableBody, StatusCodes.Status400BadRequest,
                    "The gzip body could not be decompressed.");
            case BodyReadStatus.BadFraming:
                return await RefuseAsync(context, ingestion, faults, key, source, ClientFault.BadFraming, StatusCodes.Status400BadRequest,
                    "The request body is badly framed (chunked encoding or Content-Length does not match the bytes sent).");
            case BodyReadStatus.TimedOut:
                return await RefuseAsync(context, ingestion, faults, key, source, ClientFault.BodyTimeout, StatusCodes.Status408RequestTimeout,
                    $"The body did not arrive in time (within {options.RequestBodyTimeoutSeconds} s, and no slower than Kestrel's minimum data rate).");
            case BodyReadStatus.ClientGone:
                // Nobody is left to answer; closing the connection keeps a made-up status out of the request log.
                context.Abort();
                return TypedResults.Empty;
        }

        using (body)
        {
            // The writer logs the body from this buffer, so it is released only after the commit.
            var result = await ingest(key, body!.Memory);
            if (result.Status is IngestionStatus.Ok or IngestionStatus.Invalid) metrics.MessagesAnswered(source, result.Outcomes);
            switch (result.Status)
            {
                case IngestionStatus.Ok:
                    return TypedResults.Ok();
                case IngestionStatus.Invalid:
                    return TypedResults.Json(result.InvalidOutcomes.Select(o => new InvalidMessage(o.Index, o.Reason)).ToArray(),
                        statusCode: result.StatusCode);
                case IngestionStatus.Unauthorized:
                    faults.Report(ClientFault.BadSignature, StatusCodes.Status401Unauthorized, result.Error!);
                    return TypedResults.Json(new IngestionError(result.Error!), statusCode: result.StatusCode);
                case IngestionStatus.Unavailable:
                    // Segment retries 5xx: nothing of this request was stored.
                    context.Response.Headers.RetryAfter = options.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                    return TypedResults.Json(new IngestionError(result.Error ?? "Portal is busy; retry shortly."), statusCode: result.StatusCode);
                default:
                    faults.Report(ClientFault.UnusableBody, StatusCodes.Status400BadRequest, result.Error ?? "The body was refused.");
                    return TypedResults.Json(new IngestionError(result.Error ?? "The body was refused."), statusCode: result.StatusCode);
            }
        }
    }

    private static async Task<Results<Ok, JsonHttpResult<InvalidMessage[]>, JsonHttpResult<IngestionError>, EmptyHttpResult>> RefuseAsync(
        HttpContext context, IngestionService ingestion, ClientFaultLog faults, Core.Applications.ResolvedApiKey key, string source,
        ClientFault fault, int statusCode, string error)
    {
        faults.Report(fault, statusCode, error);
        // The unread rest of a badly framed or stalled body cannot be skipped reliably: answer, then close the connection.
        if (fault is ClientFault.BadFraming or ClientFault.BodyTimeout) context.Response.Headers.Connection = "close";
        var result = await ingestion.RecordRejectedAsync(key, source, statusCode, error);
        return TypedResults.Json(new IngestionError(error), statusCode: result.StatusCode);
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
