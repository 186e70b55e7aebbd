using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Portal.Components.Account;
using Portal.Core.Security;

namespace Portal.Security;

public static class SessionSecurityExtensions
{
    /// <summary>
    /// Who is acting, and how fast that follows the database: Core's current user from the signed-in principal,
    /// and cookie plus circuit revalidation on one interval, both on the app's <see cref="TimeProvider"/>.
    /// </summary>
    public static IServiceCollection AddPortalSessionSecurity(this IServiceCollection services)
    {
        services.AddOptions<SessionSecurityOptions>().BindConfiguration(SessionSecurityOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SecurityStampValidatorOptions>()
            .Configure<IOptions<SessionSecurityOptions>, TimeProvider>((o, session, time) =>
            {
                o.ValidationInterval = session.Value.RevalidationInterval;
                o.TimeProvider = time;
            });
        // The cookie's issue time and the validator's clock must be the same clock.
        services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme).Configure<TimeProvider>((o, time) => o.TimeProvider = time);
        services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();
        services.AddScoped<ICurrentUser, SignedInCurrentUser>();
        return services;
    }
}
