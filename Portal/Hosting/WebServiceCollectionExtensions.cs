using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using MudBlazor.Services;
using Portal.Components.Account;
using Portal.Components.Browse;
using Portal.Core.Applications;
using Portal.Core.Users;
using Portal.Security;
using Portal.Security.SignIn;

namespace Portal.Hosting;

public static class WebServiceCollectionExtensions
{
    /// <summary>The admin UI: Blazor Server, MudBlazor, cookie sign-in, authorization and rate limits.</summary>
    public static IServiceCollection AddPortalWeb(this IServiceCollection services)
    {
        // The grids' prerendered first pages travel back to the circuit in its start message (persistent component
        // state); SignalR's 32 KB default is too small for a page of Data Mappings rows with their samples.
        services.AddRazorComponents().AddInteractiveServerComponents()
            .AddHubOptions(o => o.MaximumReceiveMessageSize = PrerenderedGrids.MaxCircuitStartBytes);
        // Bottom right: at the top right snackbars cover the pages' primary buttons (Add user, New application).
        services.AddMudServices(o => o.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight);

        services.AddCascadingAuthenticationState();
        services.AddScoped<IdentityRedirectManager>();
        services.AddPortalSessionSecurity();
        services.AddSingleton<IListenAddress, KestrelListenAddress>();

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = IdentityConstants.ApplicationScheme;
                o.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddIdentityCookies();
        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/Account/Login";
            o.LogoutPath = "/Account/Logout";
            o.AccessDeniedPath = "/Account/AccessDenied";
            o.Cookie.Name = "Portal.Auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.SlidingExpiration = true;
            o.ExpireTimeSpan = TimeSpan.FromHours(12);
        });
        new IdentityBuilder(typeof(PortalUser), typeof(IdentityRole), services).AddSignInManager();

        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(PortalPolicies.Admin, p => p.RequireRole(PortalRoles.Admin));

        services.AddRateLimiter(o => o.RejectionStatusCode = StatusCodes.Status429TooManyRequests);
        services.AddPortalSignInSecurity();
        services.AddPortalForwardedHeaders();
        services.AddPortalHttps();

        services.AddScoped<Portal.Components.Shared.UserContext>();
        services.AddScoped<Portal.Components.Browse.SelectedApplication>();
        services.AddHttpContextAccessor();
        return services;
    }
}
