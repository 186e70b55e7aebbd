using System.Globalization;
using Portal.Core.Applications;
using Portal.Core.Common;
using Portal.Core.Ingestion;

namespace Portal.Ingestion;

/// <summary>
/// Resolves the key in the path before the handler runs. Unknown, revoked, expired or archived: 401 JSON,
/// recorded on the Ingestion log (bounded) and summarised in the log; a client address that keeps
/// presenting such keys gets 429 instead (<see cref="KeyFailureThrottle"/>).
/// </summary>
internal sealed partial class ApiKeyEndpointFilter(
    ApiKeyResolver resolver, KeyFailureThrottle throttle, RefusedKeyLog refusedKeys, ClientFaultLog faults, ILogger<ApiKeyEndpointFilter> logger)
    : IEndpointFilter
{
    private const string ItemKey = "Portal.ResolvedApiKey";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var lookup = await resolver.LookupAsync(http.GetRouteValue("apiKey") as string, http.RequestAborted);
        if (lookup.Key is { } key)
        {
            http.Items[ItemKey] = key;
            return await next(context);
        }

        var client = http.Connection.RemoteIpAddress;
        if (!throttle.TryFail(client, out var retryAfter))
        {
            const string tooMany = "Too many requests with unrecognised API keys from this address.";
            faults.Report(ClientFault.KeyScanThrottled, StatusCodes.Status429TooManyRequests, tooMany);
            http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return TypedResults.Json(new IngestionError(tooMany), statusCode: StatusCodes.Status429TooManyRequests);
        }

        LogRefusedKey(logger, lookup.Hint ?? "-", client?.ToString() ?? "-", lookup.Refusal);
        faults.Report(ClientFault.UnrecognisedKey, StatusCodes.Status401Unauthorized, lookup.Refusal);
        await refusedKeys.RecordAsync(lookup, Source(http), http.RequestAborted);
        // One answer for every refusal: the response does not tell a scanner which keys once existed.
        return TypedResults.Json(new IngestionError("Unknown, revoked or expired API key."), statusCode: StatusCodes.Status401Unauthorized);
    }

    public static ResolvedApiKey Get(HttpContext context) =>
        context.Items[ItemKey] as ResolvedApiKey ?? throw new InvalidOperationException("The API key filter did not run.");

    private static string Source(HttpContext http) =>
        http.Request.Path.StartsWithSegments("/data/agent") ? GroupTypes.Agent : GroupTypes.Segment;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Refused key …{Hint} from {Client}: {Refusal}")]
    private static partial void LogRefusedKey(ILogger logger, string hint, string client, string refusal);
}

internal static class ApiKeyEndpointFilterExtensions
{
    public static TBuilder RequireApiKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter<TBuilder, ApiKeyEndpointFilter>();
}

/// <summary>The JSON error body of every refused ingestion request.</summary>
public sealed record IngestionError(string Error);

/// <summary>One invalid message in a 400 answer.</summary>
public sealed record InvalidMessage(int Index, string? Reason);
