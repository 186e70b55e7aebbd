using Microsoft.Extensions.Options;

namespace Portal.Core.Applications;

/// <summary>One webhook URL for a key: a Pendo region, or this Portal (<see cref="IsThisPortal"/>).</summary>
public sealed record WebhookUrl(string Name, string Url, bool IsThisPortal);

/// <summary>Builds the copy-paste-ready Segment webhook URLs of a key.</summary>
public sealed class WebhookUrlBuilder(IOptions<WebhookOptions> options)
{
    public const string ThisPortal = "This Portal";

    /// <summary>The path this Portal receives Segment webhooks on; the key follows it.</summary>
    public const string IngestionPath = "data/segmentio/";

    public IReadOnlyList<string> RegionNames => options.Value.Regions.Select(r => r.Name).ToList();

    public bool IsKnownRegion(string? name) => options.Value.Regions.Any(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The canonical spelling of a configured region, or null.</summary>
    public string? FindRegion(string? name) => options.Value.Regions.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase))?.Name;

    /// <summary>
    /// A row per configured region, then "This Portal" from the configured public base URL or else
    /// <paramref name="requestBaseUri"/> (the address the browser used); without either it is left out.
    /// </summary>
    public IReadOnlyList<WebhookUrl> Build(string key, string? requestBaseUri = null)
    {
        var rows = options.Value.Regions
            .Select(r => new WebhookUrl(r.Name, r.UrlTemplate.Replace(WebhookOptions.KeyPlaceholder, key, StringComparison.Ordinal), false))
            .ToList();
        var portal = ThisPortalUrl(key, requestBaseUri);
        if (portal is not null) rows.Add(new WebhookUrl(ThisPortal, portal, true));
        return rows;
    }

    public string? ThisPortalUrl(string key, string? requestBaseUri = null) =>
        PortalBaseUrl(requestBaseUri) is { } baseUrl ? baseUrl + "/" + IngestionPath + key : null;

    /// <summary>Where senders reach this Portal: the configured public base URL, else the request's own; no trailing slash.</summary>
    public string? PortalBaseUrl(string? requestBaseUri = null)
    {
        var configured = options.Value.PublicBaseUrl;
        var baseUrl = string.IsNullOrWhiteSpace(configured) ? requestBaseUri : configured;
        return string.IsNullOrWhiteSpace(baseUrl) ? null : baseUrl.TrimEnd('/');
    }
}
