using System.Diagnostics;

namespace Portal.Core.Ingestion;

/// <summary>Something for the single writer to do; it answers through <see cref="Completion"/>.</summary>
internal abstract class IngestionWorkItem
{
    /// <summary>How many messages this item adds to a group commit (at least one, so every item counts toward the batch size).</summary>
    public virtual int Weight => 1;

    public TaskCompletionSource<IngestionResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// One HTTP (or test) request waiting for the writer. The body memory belongs to the caller, who keeps it
/// alive until <see cref="IngestionWorkItem.Completion"/> finishes, so the writer can log it without a copy.
/// </summary>
internal abstract class RequestWorkItem : IngestionWorkItem
{
    public Guid ApplicationId { get; init; }
    public Guid? KeyId { get; init; }
    public string? KeyHint { get; init; }
    public required string Source { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
    public long StartTimestamp { get; init; } = Stopwatch.GetTimestamp();
    public required ParsedBody Parsed { get; init; }
    public ReadOnlyMemory<byte> Body { get; init; }
}

/// <summary>A request whose messages are to be stored; answered 200 or 400 once they are committed.</summary>
internal sealed class MessagesWorkItem : RequestWorkItem
{
    public override int Weight => Math.Max(1, Parsed.Messages.Count);

    /// <summary>
    /// The request's own entity and catalogue changes, folded on the request thread so the single writer
    /// merges one aggregate per request; used when none of its messages turns out to be a duplicate.
    /// </summary>
    public BatchAggregate? Aggregate { get; set; }

    /// <summary>The application forwards to Pendo: the messages this request stores go into the outbox in the same commit.</summary>
    public bool Forward { get; init; }

    /// <summary>With <see cref="Forward"/>: the request's full outbox entries, packed on the request thread (see <see cref="PackedOutbox"/>).</summary>
    public PackedOutbox? Packed { get; init; }
}

/// <summary>A request refused before the writer (bad body, wrong signature, too large): only its log entry is written.</summary>
internal sealed class RefusedWorkItem : RequestWorkItem
{
    /// <summary>What the caller answers; its status code is also the one logged.</summary>
    public required IngestionResult Result { get; init; }
}

/// <summary>Housekeeping through the queue (log pruning), so it never races a batch.</summary>
internal sealed class HousekeepingWorkItem : IngestionWorkItem;

/// <summary>
/// One chunk of track-event retention through the queue: it waits its turn behind the requests queued before it, so
/// a long clean-up alternates with ingestion instead of holding it up. Answers with the number of events deleted.
/// </summary>
internal sealed class RetentionWorkItem : IngestionWorkItem
{
    public int Deleted { get; set; }
}

/// <summary>
/// Work on rows the writer also writes (an erasure step), run by the writer between two batches: it never waits for the
/// writer's lock, and holds ingestion up only for as long as it takes itself. The visitors or accounts it deletes are
/// forgotten first, with their waiting counts, so nothing the writer remembers brings them back.
/// </summary>
internal sealed class ExclusiveWorkItem : IngestionWorkItem
{
    public required Func<CancellationToken, Task<long>> Work { get; init; }
    public ErasedEntities? Forget { get; init; }
    public long Result { get; set; }
    public Exception? Error { get; set; }
}

/// <summary>Visitors or accounts of one application that an erasure deletes.</summary>
public sealed record ErasedEntities(Guid ApplicationId, Metadata.FieldKind Kind, IReadOnlyCollection<string> Ids);
