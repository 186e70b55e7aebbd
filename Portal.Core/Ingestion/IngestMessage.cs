using Portal.Core.Metadata;

namespace Portal.Core.Ingestion;

/// <summary>
/// One validated message, already mapped to Portal's model on the request thread so the writer
/// only has rows to write. Which entity <see cref="Fields"/> describe follows from <see cref="Type"/>:
/// identify = visitor, group = account, track = track properties of <see cref="EventName"/>.
/// </summary>
public sealed class IngestMessage
{
    public required int Index { get; init; }
    public required string Type { get; init; }
    public required string MessageId { get; init; }
    public required string GroupType { get; init; }
    /// <summary>When it happened, by <see cref="MessageTime.Corrected"/>: what every page shows and orders by.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The sender's own timestamp, uncorrected, kept on the stored event; null when it sent none.</summary>
    public DateTimeOffset? OriginalTimestamp { get; init; }
    public string? VisitorId { get; init; }
    public string? AccountId { get; init; }
    public string? EventName { get; init; }

    /// <summary>Stored as the event's payload: track properties or identify/group traits.</summary>
    public string? PayloadJson { get; init; }

    public IReadOnlyList<FlatField> Fields { get; init; } = [];

    /// <summary>
    /// The message's JSON as the sender wrote it (a slice of the request body, alive until the request is answered),
    /// with a messageId put in when it came without one; what forwarding relays. Empty for agent messages.
    /// </summary>
    public ReadOnlyMemory<byte> RawJson { get; internal set; }

    public FieldKind FieldKind => Type switch
    {
        MessageTypes.Identify => FieldKind.Visitor,
        MessageTypes.Group => FieldKind.Account,
        _ => FieldKind.TrackProperty,
    };
}

/// <summary>
/// A leaf value of flattened traits or properties. <see cref="Value"/> is the value rendered as text
/// (numbers and lists as their JSON text); null stands for a JSON null.
/// </summary>
public readonly record struct FlatField(string Name, FieldType Type, string? Value, bool Truncated)
{
    public bool IsNull => Value is null;
}

public static class MessageTypes
{
    public const string Identify = "identify";
    public const string Group = "group";
    public const string Track = "track";
}

public enum MessageOutcomeKind
{
    Accepted,
    Duplicate,
    Skipped,
    Invalid,
}

/// <summary>What became of one message of a request; serialised into <see cref="IngestionLogEntry.OutcomesJson"/>.</summary>
public sealed class MessageOutcome
{
    public required int Index { get; init; }
    public string? Type { get; init; }
    public MessageOutcomeKind Outcome { get; set; }
    public string? Reason { get; init; }
    public string? MessageId { get; init; }
    public string? VisitorId { get; init; }
    public string? AccountId { get; init; }
    public string? Event { get; init; }

    /// <summary>Stored and put in the outbox for Pendo: while it is not there any more, it was delivered.</summary>
    public bool Forwarded { get; set; }

    public static string OutcomeName(MessageOutcomeKind kind) => kind switch
    {
        MessageOutcomeKind.Accepted => "accepted",
        MessageOutcomeKind.Duplicate => "duplicate",
        MessageOutcomeKind.Skipped => "skipped",
        _ => "invalid",
    };
}
