using Microsoft.AspNetCore.RateLimiting;

namespace Portal.Security.SignIn;

public static class SignInSecurityExtensions
{
    /// <summary>The password step with per-(account, address) throttling, the sign-in page limiter and the 2FA rule.</summary>
    public static IServiceCollection AddPortalSignInSecurity(this IServiceCollection services)
    {
        services.AddOptions<SignInSecurityOptions>().BindConfiguration(SignInSecurityOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SignInThrottle>();
        services.AddScoped<PasswordSignIn>();
        services.AddSingleton<LoginRateLimitPolicy>();
        services.AddOptions<RateLimiterOptions>().Configure<LoginRateLimitPolicy>((o, policy) => o.AddPolicy(LoginRateLimitPolicy.Name, policy));
        return services;
    }

    /// <summary>After authentication: Admins without 2FA go to set it up when the setting asks for it.</summary>
    public static IApplicationBuilder UsePortalTwoFactorEnforcement(this IApplicationBuilder app) =>
        app.UseMiddleware<TwoFactorEnforcementMiddleware>();
}
