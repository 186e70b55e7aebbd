using Portal.Components;
using Portal.Core.Data;
using Portal.Logging;
using Portal.Metrics;
using Portal.Security;
using Portal.Security.SignIn;
using Portal.Setup;

namespace Portal.Hosting;

public static class WebApplicationExtensions
{
    public static async Task InitializePortalDatabaseAsync(this WebApplication app)
    {
        await app.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync();
    }

    /// <summary>The middleware pipeline, in order.</summary>
    public static WebApplication UsePortalWeb(this WebApplication app)
    {
        app.UsePortalForwardedHeaders();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
            app.UseHsts();
        }
        app.UseSecurityHeaders();
        app.UsePortalCookiePolicy();
        app.UsePortalRequestLogging();
        app.UseIngestionRequestMetrics();
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseMiddleware<SetupGateMiddleware>();
        // Only endpoints that name a policy get CORS headers (the agent ingestion route).
        app.UseCors();
        app.UseAuthentication();
        app.UsePortalTwoFactorEnforcement();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();
        return app;
    }

    public static WebApplication MapPortalUi(this WebApplication app)
    {
        app.MapStaticAssets().AllowAnonymous();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
