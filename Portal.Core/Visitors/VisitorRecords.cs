using Portal.Core.Events;
using Portal.Core.Metadata;

namespace Portal.Core.Visitors;

/// <summary>A visitor in a list: default metadata (first/last visit, days active, events) and a name and email when the metadata has them.</summary>
public sealed record VisitorRow(string VisitorId, int AccountCount, DateTimeOffset FirstSeen, DateTimeOffset LastSeen,
    int DaysActive = 0, long EventCount = 0, string? DisplayName = null, string? Email = null);

public enum VisitorSort
{
    LastSeen,
    VisitorId,
    DisplayName,
    Email,
    FirstSeen,
    DaysActive,
    EventCount,
}

/// <summary>A visitor's page: metadata by group type (with types), accounts and recent track events.</summary>
public sealed record VisitorDetails(string VisitorId, DateTimeOffset FirstSeen, DateTimeOffset LastSeen,
    IReadOnlyList<MetadataGroup> Metadata, IReadOnlyList<VisitorAccountLink> Accounts, IReadOnlyList<EventRow> RecentEvents)
{
    public string? DisplayName { get; init; }
    public string? Email { get; init; }
}

public sealed record VisitorAccountLink(string AccountId, bool Exists, bool HasMetadata, DateTimeOffset LinkedAt);

public enum VisitorSearchMode
{
    /// <summary>Visitor ids starting with the text (an index range).</summary>
    Id,

    /// <summary>Visitors whose metadata contains the text (reads the application's visitors, not events).</summary>
    MetadataValue,
}
