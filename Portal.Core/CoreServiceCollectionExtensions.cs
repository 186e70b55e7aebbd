using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Core.Applications;
using Portal.Core.Audit;
using Portal.Core.Data;
using Portal.Core.Forwarding;
using Portal.Core.Ingestion;
using Portal.Core.Security;
using Portal.Core.TestEvents;
using Portal.Core.Users;

namespace Portal.Core;

public static class CoreServiceCollectionExtensions
{
    /// <summary>Everything Portal.Core offers: data, identity stores, and the domain services.</summary>
    public static IServiceCollection AddPortalCore(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddPortalData();
        services.AddPortalDataProtection();
        services.AddPortalIdentityCore();

        services.AddOptions<ApiKeyOptions>().BindConfiguration(ApiKeyOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ApiKeyProtector>();
        services.AddSingleton<ApiKeyResolver>();
        services.AddPortalCurrentUser();
        // Scoped: every change they make is checked against, and audited as, the scope's current user.
        services.AddScoped<ApiKeyService>();
        services.AddScoped<ApplicationService>();
        services.AddPortalWebhookRegions();

        services.AddSingleton<Ingestion.IngestionNotifications>();
        services.AddPortalIngestionCore();
        services.AddPortalForwarding();
        services.AddBrowseQueries();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<AuditSearch>();
        services.AddPortalTestEvents();
        services.AddScoped<UserAdminService>();
        services.AddSingleton<FirstRunService>();
        return services;
    }

    /// <summary>
    /// The current-user context. Hosts with signed-in users replace <see cref="ICurrentUser"/>; without that,
    /// only a scope opened with <see cref="ActorScopeExtensions.CreateActorScope"/> can change anything.
    /// </summary>
    public static IServiceCollection AddPortalCurrentUser(this IServiceCollection services)
    {
        services.TryAddScoped<ActorScope>();
        services.TryAddSingleton<PrincipalActors>();
        services.TryAddScoped<ICurrentUser, ScopedCurrentUser>();
        return services;
    }

    /// <summary>Identity's user and role stores with Portal's password and lockout policy; the web layer adds sign-in.</summary>
    public static IdentityBuilder AddPortalIdentityCore(this IServiceCollection services) =>
        services.AddIdentityCore<PortalUser>(o =>
            {
                // Length over composition rules (NIST SP 800-63B).
                o.Password.RequiredLength = 12;
                o.Password.RequiredUniqueChars = 4;
                o.Password.RequireDigit = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireNonAlphanumeric = false;
                // Identity's per-account lockout now counts only failed two-factor codes (only someone who knows
                // the password can cause those); wrong passwords are throttled per account and client address.
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                o.Lockout.AllowedForNewUsers = true;
                o.User.RequireUniqueEmail = true;
                o.Stores.SchemaVersion = IdentitySchemaVersions.Version3;
            })
            .AddRoles<IdentityRole>()
            .AddPasswordValidator<CommonPasswordValidator>()
            .AddEntityFrameworkStores<PortalDbContext>()
            // The authenticator (TOTP) provider for two-factor sign-in.
            .AddTokenProvider<AuthenticatorTokenProvider<PortalUser>>(TokenOptions.DefaultAuthenticatorProvider);
}
