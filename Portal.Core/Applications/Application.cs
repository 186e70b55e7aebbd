namespace Portal.Core.Applications;

/// <summary>A Pendo-style application: the unit that owns API keys and everything ingested through them.</summary>
public sealed class Application
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public required string Name { get; set; }
    public string? Description { get; set; }
    public AppPlatform Platform { get; set; } = AppPlatform.Web;

    /// <summary>Name of the default region (see <see cref="WebhookOptions"/>), e.g. "US".</summary>
    public string Region { get; set; } = "US";

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ArchivedAt { get; set; }

    /// <summary>Optional webhook signing secret, encrypted with Data Protection. Null: no signature check.</summary>
    public string? ProtectedSigningSecret { get; set; }

    /// <summary>
    /// Strict signing: <c>X-Signature</c> must cover the whole body. Off (default): Segment's rule, where a bare
    /// array is signed by its first element only, so anyone holding one signed request can append messages to it.
    /// </summary>
    public bool SignatureCoversWholeBody { get; set; }

    public List<ApiKey> Keys { get; set; } = [];

    public bool IsArchived => ArchivedAt is not null;
}

public enum AppPlatform
{
    Web = 0,
    Mobile = 1,
}
