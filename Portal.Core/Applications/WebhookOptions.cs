namespace Portal.Core.Applications;

/// <summary>
/// Where Segment's Webhooks (Actions) destination can send data: Pendo's regions and this Portal.
/// Configuring <see cref="Regions"/> replaces the defaults (US and EU) rather than adding to them.
/// </summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Webhooks";

    /// <summary>The placeholder in <see cref="WebhookRegion.UrlTemplate"/> that the key replaces.</summary>
    public const string KeyPlaceholder = "{key}";

    /// <summary>Pendo's own collectors, used when no region is configured.</summary>
    public static readonly IReadOnlyList<WebhookRegion> DefaultRegions =
    [
        new() { Name = "US", UrlTemplate = "https://data.pendo.io/data/segmentio/{key}" },
        new() { Name = "EU", UrlTemplate = "https://data.eu.pendo.io/data/segmentio/{key}" },
    ];

    /// <summary>
    /// Regions in display order. Left empty, <see cref="DefaultRegions"/> apply (filled in by a post-configure
    /// step, because a list bound from configuration would otherwise be appended to defaults set here).
    /// </summary>
    public List<WebhookRegion> Regions { get; set; } = [];

    /// <summary>
    /// The address Segment reaches this Portal at, e.g. <c>https://portal.example.com</c>, for the "This Portal"
    /// URL. Unset: the web UI uses the address the browser used, and the CLI leaves the row out.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>Why the options cannot be used, or null when they can.</summary>
    public string? Validate()
    {
        foreach (var region in Regions)
        {
            if (string.IsNullOrWhiteSpace(region.Name)) return "Webhooks:Regions: every region needs a Name.";
            if (!region.UrlTemplate.Contains(KeyPlaceholder, StringComparison.Ordinal))
                return $"Webhooks:Regions: the UrlTemplate of region '{region.Name}' must contain {KeyPlaceholder}.";
            if (!Uri.TryCreate(region.UrlTemplate.Replace(KeyPlaceholder, "key", StringComparison.Ordinal), UriKind.Absolute, out var uri)
                || uri.Scheme is not ("https" or "http"))
                return $"Webhooks:Regions: the UrlTemplate of region '{region.Name}' must be an absolute http(s) URL.";
        }
        var duplicate = Regions.GroupBy(r => r.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) return $"Webhooks:Regions: region '{duplicate.Key}' is listed twice.";
        if (!string.IsNullOrWhiteSpace(PublicBaseUrl)
            && (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("https" or "http")))
            return "Webhooks:PublicBaseUrl must be an absolute http(s) URL such as https://portal.example.com.";
        return null;
    }
}

public sealed class WebhookRegion
{
    public string Name { get; set; } = "";

    /// <summary>The webhook URL with <c>{key}</c> where the API key goes.</summary>
    public string UrlTemplate { get; set; } = "";
}
