using Portal.Core.Events;
using Portal.Core.Metadata;

namespace Portal.Core.Visitors;

public sealed record VisitorRow(string VisitorId, int AccountCount, DateTimeOffset FirstSeen, DateTimeOffset LastSeen);

/// <summary>A visitor's page: metadata by group type (with types), accounts and recent track events.</summary>
public sealed record VisitorDetails(string VisitorId, DateTimeOffset FirstSeen, DateTimeOffset LastSeen,
    IReadOnlyList<MetadataGroup> Metadata, IReadOnlyList<VisitorAccountLink> Accounts, IReadOnlyList<EventRow> RecentEvents);

public sealed record VisitorAccountLink(string AccountId, bool Exists, bool HasMetadata, DateTimeOffset LinkedAt);

public enum VisitorSearchMode
{
    /// <summary>Visitor ids starting with the text (an index range).</summary>
    Id,

    /// <summary>Visitors whose metadata contains the text (reads the application's visitors, not events).</summary>
    MetadataValue,
}
