namespace Portal.Core.Forwarding;

/// <summary>
/// One message on its way to Pendo, written in the same transaction that stored it. <see cref="DueAt"/> is when it
/// may next be tried; a forwarder that claims it pushes <see cref="DueAt"/> past its lease, so a crashed instance's
/// claims come due again by themselves. Delivered rows keep no JSON and stay a while for the figures and the log.
/// </summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }
    public Guid ApplicationId { get; set; }
    public required string MessageId { get; set; }

    /// <summary>The message exactly as Segment sent it (a messageId added when it came without one); null once delivered.</summary>
    public string? Json { get; set; }

    public OutboxState State { get; set; }

    /// <summary>When it was put in the outbox.</summary>
    public DateTimeOffset EnqueuedAt { get; set; }

    /// <summary>Waiting: when it may be tried next. Delivered: when it was delivered. Dead: when it was given up.</summary>
    public DateTimeOffset DueAt { get; set; }

    public int Attempts { get; set; }

    /// <summary>Pendo's HTTP status of the last attempt; null for a network error or none yet.</summary>
    public int? LastStatus { get; set; }

    /// <summary>Why the last attempt failed: Pendo's answer (clipped) or the network error.</summary>
    public string? LastError { get; set; }
}

public enum OutboxState
{
    Waiting = 0,
    Delivered = 1,
    Dead = 2,
}
