namespace Portal.Core.Forwarding;

/// <summary>
/// One row of the outbox: one or more messages of an application on their way to Pendo, written in the same transaction
/// that stored them. The ingestion writer puts a commit's messages of an application in entries of one request's worth
/// (<see cref="ForwardingOptions.MessagesPerEntry"/>), so forwarding adds a row per request to Pendo, not one per message,
/// to the database the writer shares, and an entry goes to Pendo as it is stored. <see cref="DueAt"/> is when the entry may next be tried; a forwarder that claims it pushes
/// <see cref="DueAt"/> past its lease, so a crashed instance's claims come due again by themselves. A delivered entry leaves
/// the outbox (its count goes to <see cref="ForwardingDelivery"/>); when only some of its messages got through, the others
/// go on in new entries. Dead letters hold one message each.
/// </summary>
public sealed class OutboxEntry
{
    public long Id { get; set; }
    public Guid ApplicationId { get; set; }

    /// <summary>The messageIds of the messages in <see cref="Body"/>, in the same order, as a JSON array of strings.</summary>
    public required string MessageIds { get; set; }

    /// <summary>How many messages the entry holds.</summary>
    public int Count { get; set; } = 1;

    /// <summary>
    /// The messages exactly as Segment sent them (a messageId added when one came without), as a UTF-8 JSON array; null for
    /// a tombstone.
    /// </summary>
    public byte[]? Body { get; set; }

    public OutboxState State { get; set; }

    /// <summary>When its messages were put in the outbox.</summary>
    public DateTimeOffset EnqueuedAt { get; set; }

    /// <summary>Waiting: when it may be tried next. Dead: when it was given up. Discarded: when it was discarded.</summary>
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

    /// <summary>Written only by versions that kept delivered rows; such rows are pruned like tombstones.</summary>
    Delivered = 1,

    Dead = 2,

    /// <summary>
    /// A tombstone without a body: a dead letter an Admin discarded, or a message erased before it was delivered. It tells
    /// the Ingestion log that this message did not reach Pendo (a forwarded message found in no entry was delivered).
    /// </summary>
    Discarded = 3,
}
