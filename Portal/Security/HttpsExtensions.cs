using Microsoft.AspNetCore.CookiePolicy;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.Extensions.Options;

namespace Portal.Security;

public static class HttpsExtensions
{
    /// <summary>Secure cookies (<see cref="HttpsOptions"/>) for every cookie Portal sets, and the HSTS max-age.</summary>
    public static IServiceCollection AddPortalHttps(this IServiceCollection services)
    {
        services.AddOptions<HttpsOptions>().BindConfiguration(HttpsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CookiePolicyOptions>().Configure<IOptions<HttpsOptions>, IHostEnvironment>((o, https, environment) =>
        {
            o.Secure = https.Value.EffectiveCookiePolicy(environment);
            o.HttpOnly = HttpOnlyPolicy.None;
        });
        services.AddOptions<HstsOptions>().Configure<IOptions<HttpsOptions>>((o, https) => o.MaxAge = TimeSpan.FromDays(https.Value.HstsMaxAgeDays));
        return services;
    }

    /// <summary>Before anything that sets a cookie (antiforgery, sign-in, status messages).</summary>
    public static IApplicationBuilder UsePortalCookiePolicy(this IApplicationBuilder app) => app.UseCookiePolicy();
}
