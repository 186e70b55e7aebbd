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

    /// <summary>
    /// The URLs a key works at: for a Pendo key a row per configured region, then "This Portal" (see
    /// <see cref="PortalBaseUrl"/>) when its address is known; a Portal key works at this Portal only.
    /// </summary>
    public IReadOnlyList<WebhookUrl> Build(string key, ApiKeyOrigin origin)
    {
        var rows = origin == ApiKeyOrigin.Imported ? RegionUrls(key).ToList() : [];
        var portal = ThisPortalUrl(key);
        if (portal is not null) rows.Add(new WebhookUrl(ThisPortal, portal, true));
        return rows;
    }

    /// <summary>A configured region's URL for a key, whatever the key's origin (the test sender may try any), or null.</summary>
    public string? RegionUrl(string region, string key) =>
        RegionUrls(key).FirstOrDefault(r => string.Equals(r.Name, region, StringComparison.OrdinalIgnoreCase))?.Url;

    /// <summary>One sentence on where a key of this origin works, shown beside its URLs.</summary>
    public static string WhereItWorks(ApiKeyOrigin origin) => origin == ApiKeyOrigin.Imported
        ? "A Pendo key: Pendo's regions accept it, and so does this Portal."
        : "A Portal key: only this Portal accepts it, since Pendo never issued it. To send to Pendo, import the application's Pendo key.";

    public string? ThisPortalUrl(string key) =>
        PortalBaseUrl() is { } baseUrl ? baseUrl + "/" + IngestionPath + key : null;

    private IEnumerable<WebhookUrl> RegionUrls(string key) => options.Value.Regions
        .Select(r => new WebhookUrl(r.Name, r.UrlTemplate.Replace(WebhookOptions.KeyPlaceholder, key, StringComparison.Ordinal), false));

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
