namespace Portal.Core.Audit;

/// <summary>Who did what, to what. Never holds a secret: keys appear by hint only.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public required string User { get; set; }
    public required string Action { get; set; }
    public required string Target { get; set; }
    public string? Details { get; set; }
}
