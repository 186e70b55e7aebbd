namespace Portal.Core.Accounts;

/// <summary>An account (Segment group) of an application.</summary>
public sealed class Account
{
    public long Id { get; set; }
    public Guid ApplicationId { get; set; }
    public required string AccountId { get; set; }

    /// <summary>Metadata per group type, same shape as <see cref="Visitors.Visitor.MetadataJson"/>.</summary>
    public string MetadataJson { get; set; } = "{}";

    /// <summary>False while the account is only named by an identify's traits.groupId.</summary>
    public bool HasMetadata { get; set; }

    public DateTimeOffset FirstSeen { get; set; }
    public DateTimeOffset LastSeen { get; set; }

    /// <summary>Default metadata, as on <see cref="Visitors.Visitor"/>; the number of visitors is counted from the memberships.</summary>
    public long EventCount { get; set; }
    public int DaysActive { get; set; }
    public int LastActiveDay { get; set; }

    /// <summary>A name from the metadata, for lists.</summary>
    public string? DisplayName { get; set; }
}
