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
}

/// <summary>A visitor's membership of an account.</summary>
public sealed class VisitorAccount
{
    public Guid ApplicationId { get; set; }
    public required string VisitorId { get; set; }
    public required string AccountId { get; set; }
    public DateTimeOffset LinkedAt { get; set; }
}
