using Microsoft.Extensions.Options;

namespace Portal.Core.Applications;

/// <summary>One webhook URL for a key: a Pendo region, or this Portal (<see cref="IsThisPortal"/>).</summary>
public sealed record WebhookUrl(string Name, string Url, bool IsThisPortal);

/// <summary>Builds the copy-paste-ready Segment webhook URLs of a key.</summary>
public sealed class WebhookUrlBuilder(IOptions<WebhookOptions> options, IListenAddress listenAddress)
{
    public const string ThisPortal = "This Portal";

    /// <summary>The path this Portal receives Segment webhooks on; the key follows it.</summary>
    public const string IngestionPath = "data/segmentio/";

    public IReadOnlyList<string> RegionNames => options.Value.Regions.Select(r => r.Name).ToList();

    public bool IsKnownRegion(string? name) => options.Value.Regions.Any(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The canonical spelling of a configured region, or null.</summary>
    public string? FindRegion(string? name) => options.Value.Regions.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase))?.Name;

    /// <summary>A row per configured region, then "This Portal" (see <see cref="PortalBaseUrl"/>) when its address is known.</summary>
    public IReadOnlyList<WebhookUrl> Build(string key)
    {
        var rows = options.Value.Regions
            .Select(r => new WebhookUrl(r.Name, r.UrlTemplate.Replace(WebhookOptions.KeyPlaceholder, key, StringComparison.Ordinal), false))
            .ToList();
        var portal = ThisPortalUrl(key);
        if (portal is not null) rows.Add(new WebhookUrl(ThisPortal, portal, true));
        return rows;
    }

    public string? ThisPortalUrl(string key) =>
        PortalBaseUrl() is { } baseUrl ? baseUrl + "/" + IngestionPath + key : null;

    /// <summary>Whether "This Portal" comes from <see cref="WebhookOptions.PublicBaseUrl"/> rather than the listening address.</summary>
    public bool HasPublicBaseUrl => !string.IsNullOrWhiteSpace(options.Value.PublicBaseUrl);

    /// <summary>
    /// Where senders reach this Portal, with no trailing slash: the configured public base URL, else the address
    /// this server listens on. Only the server decides it: an address a browser claims (its base URI, a Host
    /// header) is never used, since the test sender posts real keys to it.
    /// </summary>
    public string? PortalBaseUrl()
    {
        var configured = options.Value.PublicBaseUrl;
        var baseUrl = string.IsNullOrWhiteSpace(configured) ? listenAddress.BaseUrl : configured;
        return string.IsNullOrWhiteSpace(baseUrl) ? null : baseUrl.TrimEnd('/');
    }
}
