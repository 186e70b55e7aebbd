namespace Portal.Core.Applications;

/// <summary>An application as lists and details pages show it. <see cref="KeyCount"/> counts keys that still work.</summary>
public sealed record ApplicationSummary(
    Guid Id,
    string Name,
    AppPlatform Platform,
    string Region,
    string? Description,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ArchivedAt,
    int KeyCount,
    bool HasSigningSecret,
    bool SignatureCoversWholeBody = false)
{
    public bool IsArchived => ArchivedAt is not null;
}
