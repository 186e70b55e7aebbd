namespace Portal.Core.Events;

/// <summary>
/// One accepted message (identify, group or track), unique per application by messageId, which is
/// what makes retries idempotent. Track events are the rows with <see cref="Type"/> "track".
/// </summary>
public sealed class SegmentEvent
{
    public long Id { get; set; }
    public Guid ApplicationId { get; set; }
    public required string MessageId { get; set; }
    public required string Type { get; set; }

    /// <summary>The track event's name; null for identify and group.</summary>
    public string? Name { get; set; }

    public string? VisitorId { get; set; }
    public string? AccountId { get; set; }

    /// <summary>Track properties, or identify/group traits, as JSON.</summary>
    public string? PayloadJson { get; set; }

    /// <summary>When it happened: the sender's timestamp corrected for its clock (see <c>MessageTime</c>), never after <see cref="ReceivedAt"/>.</summary>
    public DateTimeOffset Timestamp { get; set; }

    /// <summary>The timestamp exactly as the sender gave it; null when it gave none.</summary>
    public DateTimeOffset? OriginalTimestamp { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }
    public required string GroupType { get; set; }
}
