using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Portal.Core.Forwarding;

public static class ForwardingServiceCollectionExtensions
{
    /// <summary>Forwarding to Pendo: options and regions, the outbox, the relay (a hosted service) and the Admin operations.</summary>
    public static IServiceCollection AddPortalForwarding(this IServiceCollection services)
    {
        services.AddOptions<ForwardingOptions>()
            .BindConfiguration(ForwardingOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ForwardingOptions>, ForwardingOptionsValidator>();
        // The URL carries the Pendo key: the factory's request logging (which prints URLs) stays off.
        services.AddHttpClient(PendoForwarder.HttpClientName, c => c.DefaultRequestHeaders.UserAgent.ParseAdd("Portal-Forwarder/1.0"))
            .RemoveAllLoggers();
        services.AddSingleton<ForwardingTargets>();
        services.AddSingleton<OutboxStore>();
        services.AddSingleton<ForwardingQueries>();
        services.AddMetrics();
        services.AddSingleton<ForwardingMetrics>();
        services.AddSingleton<PendoForwarder>();
        services.AddHostedService(sp => sp.GetRequiredService<PendoForwarder>());
        // Scoped: every change is checked against, and audited as, the scope's current user.
        services.AddScoped<ForwardingService>();
        return services;
    }
}

/// <summary>Names the first configuration mistake, so start-up fails with a message that says what to fix.</summary>
internal sealed class ForwardingOptionsValidator : IValidateOptions<ForwardingOptions>
{
    public ValidateOptionsResult Validate(string? name, ForwardingOptions options) =>
        options.Validate() is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;
}
