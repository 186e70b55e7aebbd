using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Portal.Core.Applications;

public static class WebhookServiceCollectionExtensions
{
    /// <summary>Webhook regions from configuration (defaults US and EU) and the URL builder.</summary>
    public static IServiceCollection AddPortalWebhookRegions(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>()
            .BindConfiguration(WebhookOptions.SectionName)
            // Defaults go in after binding: a list bound from configuration appends to one set in the constructor.
            .PostConfigure(o =>
            {
                if (o.Regions.Count == 0) o.Regions.AddRange(WebhookOptions.DefaultRegions.Select(r => new WebhookRegion { Name = r.Name, UrlTemplate = r.UrlTemplate }));
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>();
        services.TryAddSingleton<IListenAddress, NoListenAddress>();
        services.AddSingleton<WebhookUrlBuilder>();
        return services;
    }
}

/// <summary>Reports the first configuration mistake by name, so start-up fails with a message that says what to fix.</summary>
internal sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options) =>
        options.Validate() is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;
}
