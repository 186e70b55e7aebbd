using Portal.Core.Applications;

namespace Portal.Ingestion;

/// <summary>Resolves the key in the path before the handler runs; unknown, revoked, expired or archived: 401 JSON.</summary>
internal sealed class ApiKeyEndpointFilter(ApiKeyResolver resolver) : IEndpointFilter
{
    private const string ItemKey = "Portal.ResolvedApiKey";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var presented = http.GetRouteValue("apiKey") as string;
        var key = presented is null ? null : await resolver.ResolveAsync(presented, http.RequestAborted);
        if (key is null) return TypedResults.Json(new IngestionError("Unknown, revoked or expired API key."), statusCode: StatusCodes.Status401Unauthorized);
        http.Items[ItemKey] = key;
        return await next(context);
    }

    public static ResolvedApiKey Get(HttpContext context) =>
        context.Items[ItemKey] as ResolvedApiKey ?? throw new InvalidOperationException("The API key filter did not run.");
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
