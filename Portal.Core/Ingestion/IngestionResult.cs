namespace Portal.Core.Ingestion;

public enum IngestionStatus
{
    /// <summary>Nothing invalid (skipped messages included): 200 with an empty body.</summary>
    Ok,

    /// <summary>Some messages were invalid; the valid ones are stored. 400 listing the invalid ones.</summary>
    Invalid,

    /// <summary>The body as a whole is unusable (not JSON, wrong shape). 400.</summary>
    BadRequest,

    /// <summary>The webhook signature is missing or wrong. 401.</summary>
    Unauthorized,

    /// <summary>The queue is full, the writer failed or is shutting down. 503 with Retry-After.</summary>
    Unavailable,
}

/// <summary>What happened to one request, once its messages are committed (or refused).</summary>
public sealed record IngestionResult(IngestionStatus Status, IReadOnlyList<MessageOutcome> Outcomes, string? Error = null)
{
    public IEnumerable<MessageOutcome> InvalidOutcomes => Outcomes.Where(o => o.Outcome == MessageOutcomeKind.Invalid);
}
