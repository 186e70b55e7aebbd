using System.ComponentModel.DataAnnotations;

namespace Portal.Metrics;

/// <summary>The Prometheus scrape endpoint (section "Metrics"). Off by default; never anonymous unless chosen.</summary>
public sealed class MetricsOptions : IValidatableObject
{
    public const string SectionName = "Metrics";

    public bool Enabled { get; set; }

    [Required, RegularExpression("^/[A-Za-z0-9/_-]*$", ErrorMessage = "Metrics:Path must be a path such as /metrics.")]
    public string Path { get; set; } = "/metrics";

    /// <summary>
    /// A scraper presents it as <c>Authorization: Bearer &lt;token&gt;</c>. Without one, only a signed-in Admin may read the
    /// endpoint (or anyone, with <see cref="AllowAnonymous"/>).
    /// </summary>
    public string? ScrapeToken { get; set; }

    /// <summary>Serve the endpoint to anyone who can reach it; only for a listener that is not public.</summary>
    public bool AllowAnonymous { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ScrapeToken is { Length: > 0 and < 16 })
            yield return new ValidationResult("Metrics:ScrapeToken must be at least 16 characters.", [nameof(ScrapeToken)]);
    }
}
