using Portal.Core.Metadata;

namespace Portal.Core.Accounts;

/// <summary>An account in the list. <see cref="HasMetadata"/> false: only named by identify's groupId so far (send a group call).</summary>
public sealed record AccountRow(string AccountId, bool HasMetadata, int VisitorCount, DateTimeOffset FirstSeen, DateTimeOffset LastSeen,
    int DaysActive = 0, long EventCount = 0, string? DisplayName = null);

public sealed record AccountDetails(string AccountId, bool HasMetadata, DateTimeOffset FirstSeen, DateTimeOffset LastSeen,
    IReadOnlyList<MetadataGroup> Metadata, int VisitorCount)
{
    public string? DisplayName { get; init; }
}

public enum AccountSort
{
    LastSeen,
    AccountId,
    FirstSeen,
    VisitorCount,
    DisplayName,
    DaysActive,
    EventCount,
}
