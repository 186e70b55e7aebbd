namespace Portal.Core.Forwarding;

/// <summary>
/// An application's "Forward to Pendo" setting. The Pendo key is kept only encrypted with Data Protection
/// (its own purpose), with its last four characters to tell it apart; it is never shown or logged in full.
/// </summary>
public sealed class ForwardingSettings
{
    public Guid ApplicationId { get; set; }
    public bool Enabled { get; set; }

    /// <summary>The name of a <see cref="ForwardingOptions"/> region (US, EU or a configured one).</summary>
    public required string Region { get; set; }

    public required string ProtectedPendoKey { get; set; }
    public required string KeyHint { get; set; }

    public DateTimeOffset ChangedAt { get; set; }
    public string? ChangedBy { get; set; }
}
