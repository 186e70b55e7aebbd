namespace Portal.Core.Visitors;

/// <summary>A visitor of an application, keyed by the Segment userId (or anonymousId).</summary>
public sealed class Visitor
{
    public long Id { get; set; }
    public Guid ApplicationId { get; set; }
    public required string VisitorId { get; set; }

    /// <summary>Metadata per group type, as JSON: <c>{"segmentio": {"field": {"v": value, "t": "timestamp"}}}</c>.</summary>
    public string MetadataJson { get; set; } = "{}";

    public DateTimeOffset FirstSeen { get; set; }
    public DateTimeOffset LastSeen { get; set; }

    /// <summary>Default metadata the writer keeps (see <see cref="Metadata.DefaultFields"/>): messages stored for this visitor.</summary>
    public long EventCount { get; set; }

    /// <summary>Distinct UTC days with a message, counted as <see cref="LastActiveDay"/> moves forward.</summary>
    public int DaysActive { get; set; }

    /// <summary>The newest UTC day (days since 0001-01-01) counted in <see cref="DaysActive"/>.</summary>
    public int LastActiveDay { get; set; }

    /// <summary>A name from the metadata (name, displayName, fullName, firstName + lastName), for lists.</summary>
    public string? DisplayName { get; set; }

    /// <summary>An email address from the metadata (email, emailAddress), for lists.</summary>
    public string? Email { get; set; }
}

/// <summary>A visitor's membership of an account.</summary>
public sealed class VisitorAccount
{
    public Guid ApplicationId { get; set; }
    public required string VisitorId { get; set; }
    public required string AccountId { get; set; }
    public DateTimeOffset LinkedAt { get; set; }
}
