using System.Diagnostics;

namespace Portal.Core.Ingestion;

/// <summary>
/// One request waiting for the writer. The body memory belongs to the caller, who keeps it alive
/// until <see cref="Completion"/> finishes, so the writer can log it without a copy.
/// </summary>
internal sealed class IngestionWorkItem
{
    public Guid ApplicationId { get; init; }
    public Guid? KeyId { get; init; }
    public string? KeyHint { get; init; }
    public required string Source { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
    public long StartTimestamp { get; init; } = Stopwatch.GetTimestamp();
    public required ParsedBody Parsed { get; init; }
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The status a request refused before the writer gets; null: 200 or 400 from the message outcomes.</summary>
    public int? RejectedStatus { get; init; }
    public string? RejectedError { get; init; }

    /// <summary>A housekeeping item (log pruning) rather than a request.</summary>
    public bool IsPrune { get; init; }

    public int MessageCount => Parsed.Messages.Count;

    /// <summary>
    /// The request's own entity and catalogue changes, folded on the request thread so the single writer
    /// merges one aggregate per request; used when none of its messages turns out to be a duplicate.
    /// </summary>
    public BatchAggregate? Aggregate { get; set; }

    public int StatusCode => RejectedStatus ?? (Parsed.HasInvalid || Parsed.Error is not null ? 400 : 200);

    public TaskCompletionSource<IngestionResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
