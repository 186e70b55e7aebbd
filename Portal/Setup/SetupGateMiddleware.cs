using Microsoft.Extensions.Options;
using Portal.Core.Users;
using Portal.Metrics;

namespace Portal.Setup;

/// <summary>
/// First run: while no user exists every page leads to /setup. Afterwards /setup does not exist (404),
/// so the form that creates the first Admin cannot be replayed.
/// </summary>
public sealed class SetupGateMiddleware(RequestDelegate next, FirstRunService firstRun, IOptions<MetricsOptions> metrics)
{
    public const string SetupPath = "/setup";

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments(SetupPath, StringComparison.OrdinalIgnoreCase))
        {
            if (!await firstRun.NeedsSetupAsync(context.RequestAborted))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                // A replayed form POST gets a bare 404: re-executing it as a page would fail antiforgery instead.
                if (!HttpMethods.IsGet(context.Request.Method))
                {
                    var statusPages = context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>();
                    if (statusPages is not null) statusPages.Enabled = false;
                }
                return;
            }
        }
        else if (IsPageNavigation(context, metrics.Value.Path) && await firstRun.NeedsSetupAsync(context.RequestAborted))
        {
            context.Response.Redirect(SetupPath);
            return;
        }
        await next(context);
    }

    private static bool IsPageNavigation(HttpContext context, string metricsPath)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method)) return false;
        var path = context.Request.Path;
        // A scraper is not a person to lead through setup.
        if (path.StartsWithSegments(metricsPath)) return false;
        if (Path.HasExtension(path.Value)) return false;
        return !(path.StartsWithSegments("/_framework") || path.StartsWithSegments("/_content") || path.StartsWithSegments("/_blazor")
            || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/data") || path.StartsWithSegments("/not-found")
            || path.StartsWithSegments("/Error"));
    }
}
